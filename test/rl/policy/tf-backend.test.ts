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

async function child(choice: string, device?: 'cpu' | 'gpu'): Promise<{ stdout: string; stderr: string; result: Record<string, unknown> }> {
  const env = { ...process.env };
  delete env.RLFLOW_TF_BACKEND;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CHILD, choice, ...(device ? [device] : [])], { env, timeout: 60_000 });
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

  test("device 'gpu' never silently runs on the CPU: it needs tfjs-node-gpu, and says so", async (t) => {
    if (installed('@tensorflow/tfjs-node-gpu')) {
      t.skip('@tensorflow/tfjs-node-gpu is installed here: the missing-package path cannot be shown');
      return;
    }
    // A fresh process (loadTf chooses once per process), then the same request here, where TF.js is already loaded on the CPU.
    const fresh = await child('default', 'gpu');
    assert.equal(fresh.result.info, undefined, 'no backend was loaded');
    assert.match(String(fresh.result.error), /device 'gpu' requested .*but @tensorflow\/tfjs-node-gpu could not be loaded .*refusing to run it on the CPU/);
    assert.match(String(fresh.result.error), /hint: install @tensorflow\/tfjs-node-gpu \(it needs an NVIDIA GPU with CUDA/);
    await loadTf();
    await assert.rejects(loadTf({ device: 'gpu' }), /device 'gpu' requested, but this process already runs TensorFlow\.js on the CPU.*\n {2}hint: run actors on different devices in separate processes/s);
    // A backend that cannot run on a GPU contradicts the device.
    await assert.rejects(loadTf({ backend: 'wasm', device: 'gpu' }), /device 'gpu' requested, but TensorFlow\.js backend 'wasm'.*runs on the CPU/);
    await assert.rejects(loadTf({ device: 'tpu' as never }), /unknown device 'tpu'.*cpu, gpu/);
  });

  test("device 'cpu' never picks tfjs-node-gpu, and a CPU request is served once loaded", async () => {
    const cpu = await child('default', 'cpu');
    const info = cpu.result.info as { device: string; package: string };
    assert.equal(info.device, 'cpu');
    assert.notEqual(info.package, '@tensorflow/tfjs-node-gpu');
    if (!installed('@tensorflow/tfjs-node')) assert.equal(info.package, '@tensorflow/tfjs-backend-wasm', 'without tfjs-node: wasm');
    assert.deepEqual(cpu.result.sum, [4, 6]);
    assert.equal(await loadTf({ device: 'cpu' }), await loadTf());
  });
});
