/**
 * TF.js loading: one namespace per process, the backend reported, option validation, and (in child
 * processes, one per backend choice) the cpu fallback, the absent tfjs-node, and no "install
 * tfjs-node" banner on any path.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { backendInfo, getTf, loadTf } from '../../../src/rl/policy/tf-backend.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/load-tf-child.ts', import.meta.url));

async function child(choice: string): Promise<{ stdout: string; stderr: string; result: Record<string, unknown> }> {
  const env = { ...process.env };
  delete env.RLFLOW_TF_BACKEND;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CHILD, choice], { env, timeout: 60_000 });
  const line = stdout.trim().split('\n').pop()!;
  return { stdout, stderr, result: JSON.parse(line) as Record<string, unknown> };
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** The banner TF.js's cpu backend prints on its first tensor in Node. */
const BANNER = /speed things up dramatically|install our node backend/i;

describe('loadTf', () => {
  test('loads once per process and reports the backend', async () => {
    const tf = await loadTf();
    assert.equal(await loadTf(), tf, 'same namespace on every call');
    assert.equal(getTf(), tf);
    const info = backendInfo()!;
    assert.equal(info.name, tf.getBackend());
    assert.ok(info.device === 'cpu' || info.device === 'gpu');
    if (info.package === '@tensorflow/tfjs-backend-wasm') {
      assert.equal(info.simd, true, 'Node 20 has wasm SIMD');
      assert.equal(info.threads, 1);
    }
  });

  test('rejects an unknown backend name, even once loaded', async () => {
    await assert.rejects(loadTf({ backend: 'metal' as never }), /unknown TensorFlow\.js backend 'metal'.*auto, node, wasm, cpu/);
  });

  test('in fresh processes: wasm by default, cpu on request, never the tfjs-node banner', async () => {
    const hasNode = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
    const [byDefault, wasm, cpu, node] = await Promise.all([child('default'), child('wasm'), child('cpu'), child('node')]);
    for (const c of [byDefault, wasm, cpu, node]) assert.doesNotMatch(c.stdout + c.stderr, BANNER);
    assert.deepEqual(wasm.result.info, { name: 'wasm', device: 'cpu', package: '@tensorflow/tfjs-backend-wasm', simd: true, threads: 1 });
    assert.deepEqual(wasm.result.sum, [4, 6]);
    assert.deepEqual(cpu.result.info, { name: 'cpu', device: 'cpu', package: '@tensorflow/tfjs' });
    assert.deepEqual(cpu.result.sum, [4, 6]);
    if (hasNode) {
      assert.equal((byDefault.result.info as { name: string }).name, 'tensorflow');
      assert.equal((node.result.info as { name: string }).name, 'tensorflow');
    } else {
      assert.deepEqual(byDefault.result.info, wasm.result.info, 'without tfjs-node the default is wasm');
      assert.match(String(node.result.error), /backend 'node' requested but no tfjs-node package could be loaded/);
    }
  });
});
