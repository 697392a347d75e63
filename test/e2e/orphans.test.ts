/**
 * No orphans, ever: a driver killed with SIGKILL (no chance to clean up) while one of its actors spins
 * in an infinite loop (and, in the second case, another is SIGSTOPped) leaves no worker process behind
 * within 2 s. Uses a real driver process (test/fixtures/orphan-driver.ts) and `ps`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('../fixtures/orphan-driver.ts', import.meta.url));

/** Pids among `pids` that `ps` still lists (zombies already reaped by init do not count). */
function listed(pids: readonly number[]): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when none of them exists
  }
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, stat]) => pid && stat && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

async function killedDriverLeavesNothing(extra: string[]): Promise<void> {
  // detached: the driver leads its own process group, as a shell job does.
  const driver = spawn(process.execPath, ['--import', 'tsx', DRIVER, ...extra], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let buf = '';
    driver.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\d+) (\d+)/.exec(buf);
      if (m) resolve([Number(m[1]), Number(m[2])]);
    });
    driver.once('exit', (code) => reject(new Error(`driver exited early with ${code}`)));
  });
  assert.deepEqual(listed(pids).sort(), [...pids].sort(), 'both actors run before the kill');
  driver.kill('SIGKILL');
  const killedAt = Date.now();
  while (listed(pids).length > 0 && Date.now() - killedAt < 2000) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(listed(pids), [], `actor processes still listed ${Date.now() - killedAt} ms after the driver's kill -9`);
}

test('kill -9 of the driver while an actor spins in an infinite loop: every actor process is gone within 2 s', () => killedDriverLeavesNothing([]));

test('kill -9 of the driver with one actor spinning and one SIGSTOPped: both gone within 2 s', () => killedDriverLeavesNothing(['stop']));
