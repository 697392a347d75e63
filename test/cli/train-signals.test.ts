/**
 * Ctrl-C during `rlflow train` on the farm backend: SIGINT to the whole process group (as a terminal
 * sends it, workers included) stops the run after the current iteration with a checkpoint and the
 * summary, exit code 130, and no EPIPE or other stack from the workers. SIGTERM to the driver: 143.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../../src/trainer/checkpoint.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs `rlflow train` in its own process group; sends `signal` once the second iteration line is out. */
function trainUntilSignal(out: string, signal: 'SIGINT' | 'SIGTERM', group: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = ['pg', '--env', 'CartPole-v1', '--backend', 'farm', '--workers', '1', '--stop-timesteps', '100000000', '--stop-reward', '1e9', '--out', out, '--quiet'];
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(${JSON.stringify(['train', ...args])}); })`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!sent && /iter {4}2 /.test(stdout)) {
      sent = true;
      process.kill(group ? -child.pid! : child.pid!, signal);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

test('SIGINT to the process group: graceful stop, checkpoint, summary, exit 130, no worker stacks', async () => {
  const out = path.join(dir, 'int');
  const r = await trainUntilSignal(out, 'SIGINT', true);
  assert.equal(r.code, 130, r.stdout + r.stderr);
  assert.match(r.stdout, /SIGINT: stopping after this iteration/);
  assert.match(r.stdout, /done: stopped by SIGINT/);
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at /, r.stderr);
  assert.ok(readCheckpoint(out).iteration >= 2);
});

test('SIGTERM to the driver: exit 143 with a checkpoint', async () => {
  const out = path.join(dir, 'term');
  const r = await trainUntilSignal(out, 'SIGTERM', false);
  assert.equal(r.code, 143, r.stdout + r.stderr);
  assert.ok(readCheckpoint(out).iteration >= 2);
});
