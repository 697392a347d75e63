/**
 * The CLI's NATS front door without a cluster: `rlflow node` and `rlflow train --backend nats` say
 * what is missing (a flag, a reachable server, any node) instead of hanging or crashing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { connectFromFlags } from '../../src/cli/cluster.js';
import { node } from '../../src/cli/node.js';
import { train } from '../../src/cli/train.js';
import { ClusterError } from '../../src/ir/errors.js';
import { freePort, natsUnavailable } from '../fixtures/nats-cluster.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-nats-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = (): void => undefined;

describe('rlflow node / train --backend nats: missing pieces are clear errors', () => {
  test('rlflow node needs --connect and a subject-safe --name', async () => {
    await assert.rejects(node([], quiet), (e: unknown) => e instanceof UsageError && /--connect/.test(e.message));
    await assert.rejects(node(['--connect', 'nats://127.0.0.1:1', '--name', 'a b'], quiet), (e: unknown) => e instanceof UsageError && /--name/.test(e.message));
    await assert.rejects(node(['--connect', 'nats://127.0.0.1:1', '--cpus', '0'], quiet), (e: unknown) => e instanceof UsageError && /--cpus must be an integer >= 1/.test(e.message));
  });

  test('--backend nats needs --nats', async () => {
    await assert.rejects(train(['ppo', '--backend', 'nats', '--out', path.join(dir, 'a'), '--quiet'], quiet), (e: unknown) => e instanceof UsageError && /--nats nats:\/\/host:port/.test(e.message));
  });

  test('an unreachable server is a ClusterError naming it and how to start one', async () => {
    const port = await freePort();
    await assert.rejects(train(['ppo', '--backend', 'nats', '--nats', `nats://127.0.0.1:${port}`, '--out', path.join(dir, 'b'), '--quiet'], quiet), (e: unknown) => {
      assert.ok(e instanceof ClusterError, String(e));
      assert.match(e.message, new RegExp(`cannot connect to the NATS server at nats://127.0.0.1:${port}`));
      assert.match(e.message, /nats-server/);
      return true;
    });
  });

  test('auth flags pass through to the NATS client', { skip: natsUnavailable() }, async () => {
    const port = await freePort();
    const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--user', 'rl', '--pass', 's3cret'], { stdio: 'ignore' });
    const url = `nats://127.0.0.1:${port}`;
    try {
      await new Promise((r) => setTimeout(r, 500));
      const nc = await connectFromFlags(url, { 'nats-user': 'rl', 'nats-pass': 's3cret' });
      await nc.close();
      await assert.rejects(connectFromFlags(url, { 'nats-user': 'rl', 'nats-pass': 'wrong' }), (e: unknown) => e instanceof ClusterError && /cannot connect to the NATS server/.test(e.message));
      await assert.rejects(connectFromFlags(url, {}), ClusterError);
      await assert.rejects(connectFromFlags(url, { 'nats-creds': path.join(dir, 'missing.creds') }), (e: unknown) => e instanceof UsageError && /--nats-creds/.test(e.message));
    } finally {
      server.kill();
    }
  });

  test('a server without nodes is a ClusterError saying how to start one', { skip: natsUnavailable() }, async () => {
    const port = await freePort();
    const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      await assert.rejects(train(['ppo', '--backend', 'nats', '--nats', `nats://127.0.0.1:${port}`, '--out', path.join(dir, 'c'), '--quiet'], quiet), (e: unknown) => {
        assert.ok(e instanceof ClusterError, String(e));
        assert.match(e.message, /no rlflow node answered/);
        assert.match(e.message, /rlflow node --connect/);
        return true;
      });
    } finally {
      server.kill();
    }
  });
});
