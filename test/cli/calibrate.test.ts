/**
 * `rlflow calibrate --quick --out <file>` through the CLI's dispatch, in process: it measures real
 * costs (a farm worker process, the TF.js policy) and writes a file the cost model loads. Timings
 * vary with the machine's load, so only their sanity is checked, never their size.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { loadCostModel, parseCostModel } from '../../src/optimizer/index.js';

test('calibrate --quick writes a cost model that parses, with positive numbers, and prints the comparison table', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlflow-calibrate-'));
  const file = path.join(dir, 'nested', 'calibration.json');
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    assert.equal(await main(['calibrate', '--quick', '--out', file]), 0);
  } finally {
    console.log = log;
  }
  try {
    const model = parseCostModel(JSON.parse(readFileSync(file, 'utf8')), file);
    assert.deepEqual(loadCostModel(file), model);
    for (const [what, x] of [['messageUs', model.messageUs], ['fixedUs + perRowUs', model.calls['policyForward']!.fixedUs + model.calls['policyForward']!.perRowUs]] as const) {
      assert.ok(Number.isFinite(x) && x > 0, `${what} = ${x}`);
    }
    assert.ok(model.perKiBUs >= 0 && Number.isFinite(model.perKiBUs));
    assert.match(model.machine ?? '', /Node v\d+.*TF\.js/);
    assert.ok(!Number.isNaN(Date.parse(model.measuredAt ?? '')));
    const text = lines.join('\n');
    for (const row of ['messageUs', 'perKiBUs', 'policyForward.fixedUs', 'policyForward.perRowUs']) assert.match(text, new RegExp(`${row.replace('.', '\\.')}.* µs +\\d+\\.\\d+ µs +\\d+\\.\\d+×`));
    assert.match(text, new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('calibrate rejects an unknown flag with usage', async () => {
  const err = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    assert.equal(await main(['calibrate', '--fast']), 2);
  } finally {
    console.error = err;
  }
  assert.match(lines.join('\n'), /rlflow calibrate: .*--fast[\s\S]*--quick/);
});
