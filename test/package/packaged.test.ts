/**
 * rlflow as a user gets it: `npm pack`, installed into a fresh project (offline where npm's cache
 * allows, `--prefer-offline`), used there importing only from the package ('rlflow', 'rlflow/rl',
 * 'rlflow/algorithms', 'rlflow/trainer'): a custom env in TypeScript and in plain JavaScript trains on
 * both backends, a plan file runs on both backends, a custom pass loads with --plugin, and a run is
 * resumed, evaluated and plotted; the library runs from code. The package ships no source maps, so
 * stack traces point at the shipped dist/ files.
 *
 * Slow (pack builds dist/, install copies ~350 MB): RLFLOW_SKIP_PACKAGE=1 skips it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT_FILES = fileURLToPath(new URL('./project/', import.meta.url));
const skip = process.env.RLFLOW_SKIP_PACKAGE === '1' ? 'RLFLOW_SKIP_PACKAGE=1' : false;
const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-package-'));
const project = path.join(dir, 'project');
after(() => rmSync(dir, { recursive: true, force: true }));

const TINY = { numWorkers: 1, numEnvsPerWorker: 2, rolloutFragmentLength: 20, trainBatchSize: 40, hidden: [8], lr: 1e-2 };

/** Runs a command in the project; returns its output, failing with it on a non-zero exit. */
function sh(command: string, args: string[], expectCode = 0): string {
  const r = spawnSync(command, args, { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 110_000 });
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, expectCode, `${command} ${args.join(' ')} exited ${r.status}:\n${output}`);
  return output;
}

/** The newest modification time of the files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const rlflow = (...args: string[]): string => sh(process.execPath, [path.join('node_modules', 'rlflow', 'bin', 'rlflow.mjs'), ...args]);

describe('the packed package in a fresh project', { skip }, () => {
  let tarball: string;
  before(
    () => {
      // CI builds dist/ right before the tests; rebuild only when a source file is newer than it.
      if (!existsSync(path.join(ROOT, 'dist', 'src', 'index.js')) || newestSource(path.join(ROOT, 'src')) > statSync(path.join(ROOT, 'dist', 'src', 'index.js')).mtimeMs) {
        execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
      }
      const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
      tarball = path.join(dir, packed);
      cpSync(PROJECT_FILES, project, { recursive: true });
      const tsxVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['tsx']!;
      writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-rlflow', private: true, type: 'module' }));
      sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, `tsx@${tsxVersion}`]);
      writeFileSync(path.join(project, 'ts-env.json'), JSON.stringify({ ...TINY, envModule: './corridor-env.ts' }));
      writeFileSync(path.join(project, 'mjs-env.json'), JSON.stringify({ ...TINY, envModule: './corridor-env.mjs' }));
    },
    { timeout: 300_000 },
  );

  test('the package ships dist/, bin/ and LICENSE, and no source maps or sources it does not ship', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(files.includes('package/LICENSE'));
    assert.ok(files.includes('package/dist/src/rl/index.js') && files.includes('package/dist/src/trainer/index.d.ts'));
    assert.deepEqual(files.filter((f) => f.endsWith('.map') || /^package\/src\//.test(f)), []);
    const dist = path.join(project, 'node_modules', 'rlflow', 'dist', 'src', 'runtime');
    for (const f of readdirSync(dist).filter((n) => n.endsWith('.js'))) assert.doesNotMatch(readFileSync(path.join(dist, f), 'utf8'), /sourceMappingURL/, f);
  });

  test('custom envs in .ts and .mjs train on both backends (--config envModule)', () => {
    for (const [kind, id] of [['ts', 'TsCorridor-v0'], ['mjs', 'MjsCorridor-v0']] as const) {
      for (const backend of ['local', 'farm']) {
        const out = rlflow('train', 'pg', '--env', id, '--config', `${kind}-env.json`, '--backend', backend, '--stop-iters', '2', '--out', `runs/${kind}-${backend}`, '--quiet');
        assert.match(out, /iter +2 +steps +80 /, out);
        assert.ok(existsSync(path.join(project, 'runs', `${kind}-${backend}`, 'progress.csv')));
      }
    }
  });

  test('a plan file runs on both backends; a custom pass loads with --plugin', () => {
    for (const backend of ['local', 'farm']) {
      const out = rlflow('train', 'plan.ts', '--backend', backend, '--stop-iters', '2');
      assert.match(out, /output 1: 0\n.*output 2: 10000/, out);
      assert.match(out, /done: 2 output\(s\)/);
    }
    const out = rlflow('train', 'plan.ts', '--backend', 'local', '--stop-iters', '1', '--plugin', 'my-pass.ts', '--passes', 'cleanup,count-nodes,fuse');
    assert.match(out, /count-nodes: the plan has \d+ nodes/, out);
  });

  test('a run resumes, evaluates and plots', () => {
    const resumed = rlflow('train', '--resume', 'runs/mjs-local', '--stop-iters', '3', '--quiet');
    assert.match(resumed, /resumed from .* at iteration 2/);
    assert.match(resumed, /iter +3 /);
    assert.match(rlflow('eval', 'runs/mjs-local', '--episodes', '3'), /return mean -?[\d.]+ {2}std [\d.]+ {2}min -?[\d.]+ {2}max -?[\d.]+/);
    assert.match(rlflow('plot', 'runs/mjs-local', 'runs/ts-local', '--out', 'compare.svg'), /wrote compare\.svg \(2 runs, 5 iterations\)/);
  });

  test('the library from code: Trainer, checkpoints, loadPolicy (TypeScript through tsx)', () => {
    const out = sh(process.execPath, ['--import', 'tsx', 'use-api.ts']);
    assert.match(out, /api: iteration 1 steps 32/);
    assert.match(out, /api: action [01]/);
  });

  test('errors from the package point at shipped files', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import { makeEnv } from 'rlflow/rl'; makeEnv('Nope-v0');"], { cwd: project, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Unknown environment id "Nope-v0"/);
    const frames = [...r.stderr.matchAll(/\((file:\/\/[^):]+|\/[^):]+):\d+:\d+\)/g)].map((m) => m[1]!.replace(/^file:\/\//, '')).filter((f) => f.includes('rlflow'));
    assert.ok(frames.length > 0, r.stderr);
    for (const f of frames) assert.ok(existsSync(f) && f.includes(`${path.sep}node_modules${path.sep}rlflow${path.sep}dist${path.sep}`), `stack frame ${f}`);
  });
});
