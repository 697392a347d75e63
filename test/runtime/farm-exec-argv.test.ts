/**
 * Farm workers get the driver's Node flags, but never its `-e/--eval/-p/--print` code: a driver started
 * with `node -e "…"` must not make every worker run that code again (each worker would start a farm of
 * its own, and so on).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { withoutEvalFlags } from '../../src/runtime/farm-backend.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('withoutEvalFlags drops eval/print flags and their code, keeps the rest', () => {
  assert.deepEqual(withoutEvalFlags(['--import', 'tsx', '-e', 'run()', '--max-old-space-size=100']), ['--import', 'tsx', '--max-old-space-size=100']);
  assert.deepEqual(withoutEvalFlags(['--eval', 'x', '-p', 'y', '--print=z', '--eval=w', '--input-type=module', '--input-type', 'commonjs', '--no-warnings']), ['--no-warnings']);
  assert.deepEqual(withoutEvalFlags([]), []);
});

test('a driver started with node -e runs a farm plan once (workers do not rerun its code)', () => {
  const code = `
    const { actors, compile, fromActors, run } = await import('./src/index.ts');
    const { Counter } = await import('./test/fixtures/counters.ts');
    const group = actors(Counter, { count: 2, args: [0, 3] });
    const rt = await run(await compile(fromActors(group).gatherSync()), { backend: 'farm', seed: 1 });
    let n = 0;
    try { for await (const _ of rt) n++; } finally { await rt.close(); }
    console.log('RUNS=' + n);
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `driver failed: ${result.stderr}`);
  // With the bug, every worker re-ran this code, printed its own RUNS= line (or never ended).
  assert.deepEqual(result.stdout.match(/RUNS=\d+/g), ['RUNS=6']);
});
