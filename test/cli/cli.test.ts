/**
 * The command line: the demo main job runs end to end on both backends (deterministically on local),
 * and bad options get a usage error naming the option.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { demo } from '../../src/cli/demo.js';
import { UsageError } from '../../src/cli/args.js';

async function runDemo(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  assert.equal(await demo(args, (l) => lines.push(l)), 0);
  return lines;
}

describe('rlflow demo', () => {
  test('prints the plan, one line per step and a result close to pi (local, deterministic)', async () => {
    const args = ['--backend', 'local', '--workers', '2', '--steps', '6', '--batch', '2000', '--seed', '7'];
    const lines = await runDemo(args);
    const dump = lines[0]!;
    assert.match(dump, /^plan "pi-demo" schema=1/);
    for (const kind of ['rlflow/from-actors@1', 'rlflow/for-each@1', 'rlflow/gather-async@1']) assert.ok(dump.includes(kind), kind);
    const steps = lines.filter((l) => l.startsWith('step '));
    assert.equal(steps.length, 6);
    assert.match(steps[5]!, /points\s+12,000/);
    const result = lines.at(-1)!;
    const estimate = Number(/pi ≈ ([\d.]+)/.exec(result)![1]);
    assert.ok(Math.abs(estimate - Math.PI) < 0.1, result);
    // Same seed, same numbers (the points/s column aside).
    const strip = (ls: string[]) => ls.filter((l) => l.startsWith('step ')).map((l) => l.replace(/\(.*points\/s\)/, ''));
    assert.deepEqual(strip(await runDemo(args)), strip(lines));
  });

  test('runs on worker processes (farm)', async () => {
    const lines = await runDemo(['--backend', 'farm', '--workers', '2', '--steps', '4', '--batch', '1000']);
    assert.equal(lines.filter((l) => l.startsWith('step ')).length, 4);
    assert.match(lines.at(-1)!, /on 2 farm actor\(s\)/);
  });

  test('bad options are usage errors that name the option', async () => {
    await assert.rejects(demo(['--workers', '0']), (e: unknown) => e instanceof UsageError && /--workers must be an integer >= 1/.test(e.message));
    await assert.rejects(demo(['--backend', 'gpu']), (e: unknown) => e instanceof UsageError && /--backend must be one of local, farm/.test(e.message));
    await assert.rejects(demo(['--nope']), UsageError);
  });
});

describe('rlflow command', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { encoding: 'utf8' });

  test('--help lists the commands; an unknown command exits 2', () => {
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Commands:[\s\S]*demo/);
    const bad = cli('nope');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'nope'/);
  });

  test('a usage error prints the command help and exits 2', () => {
    const r = cli('demo', '--steps', 'x');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--steps must be an integer/);
    assert.match(r.stderr, /rlflow demo \[--backend/);
  });
});
