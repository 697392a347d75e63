/**
 * Bad input never hangs: fast-check generates broken command lines, config files and plan files, and
 * every run of the CLI must exit within 10 s with a non-zero code and a message naming the cause, print
 * no stack trace for these user errors, and leave an existing run directory untouched. Most cases call
 * the CLI's `main()` in this process (a spawn costs ~1 s); a few real spawns check the same through
 * the actual process boundary (exit code, stderr). Fixed seeds keep CI reproducible.
 *
 * Counts (see docs/faults.md): each property's `numRuns`; the cases that found bugs when the suite was
 * written are kept as the named examples at the end. NOTE: an in-process case that spins synchronously
 * (as `mkdir -p /proc/…` did) blocks this thread too, so the per-test timeout is what reports it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ppo } from '../../src/algorithms/index.js';
import { main } from '../../src/cli/main.js';

const CLI = fileURLToPath(new URL('../fixtures/cli-entry.ts', import.meta.url));
const DSL = new URL('../../src/index.js', import.meta.url).href;
const LIMIT_MS = 10_000;

let root = '';
let runDir = '';
let aFile = '';
let snapshot = '';
let fileCount = 0;

/** Names, sizes and contents of every file under `dir`: equal before and after means untouched. */
function fingerprint(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((f) => {
      const p = path.join(dir, f);
      const st = statSync(p);
      return `${f} ${st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs} ${readFileSync(p, 'utf8')}`}`;
    })
    .join('\n');
}

interface Outcome {
  readonly code: number;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `main(argv)` in this process, capturing what it prints; fails the case if it takes too long. */
async function inProcess(argv: string[]): Promise<Outcome> {
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = () => undefined;
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      main(argv),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no exit within ${LIMIT_MS} ms: ${JSON.stringify(argv)}`)), LIMIT_MS))),
    ]);
    return { code, stderr: err.join('\n'), ms: performance.now() - started };
  } catch (e) {
    // An exception out of main() is what a user would see as a stack trace.
    return { code: -1, stderr: `${err.join('\n')}\nTHREW ${(e as Error).stack ?? String(e)}`, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    console.log = log;
    console.error = error;
  }
}

function spawned(argv: string[]): Outcome {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...argv], { encoding: 'utf8', timeout: LIMIT_MS });
  return { code: r.status ?? -1, stderr: r.stderr, ms: performance.now() - started };
}

/** The contract for every bad input. */
function assertCleanFailure(o: Outcome, argv: readonly string[]): void {
  const what = `${JSON.stringify(argv)} →\n${o.stderr}`;
  assert.ok(o.code > 0, `non-zero exit (got ${o.code}): ${what}`);
  assert.ok(o.ms < LIMIT_MS, `exits within ${LIMIT_MS} ms: ${what}`);
  assert.match(o.stderr, /^rlflow \w+: \S/m, `a message naming the command and the cause: ${what}`);
  assert.doesNotMatch(o.stderr, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace: ${what}`);
  assert.equal(fingerprint(runDir), snapshot, `the existing run directory is untouched: ${what}`);
}

function newFile(ext: string, text: string): string {
  const file = path.join(root, `f${fileCount++}${ext}`);
  writeFileSync(file, text);
  return file;
}

/** A base command that would train (briefly, in process) if nothing were wrong with it. */
const BASE = ['train', 'ppo', '--backend', 'local', '--stop-iters', '1'];
const where = () => fc.constantFrom<'fresh' | 'existing'>('fresh', 'existing');
const outFor = (w: 'fresh' | 'existing') => (w === 'existing' ? runDir : path.join(root, `out${fileCount++}`));

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rlflow-fuzz-'));
  runDir = path.join(root, 'existing-run');
  mkdirSync(runDir);
  writeFileSync(path.join(runDir, 'progress.jsonl'), '{"training_iteration":1}\n');
  writeFileSync(path.join(runDir, 'config.json'), '{"algorithm":"ppo"}');
  aFile = path.join(root, 'a-file');
  writeFileSync(aFile, 'not a directory');
  snapshot = fingerprint(runDir);
});

after(() => rmSync(root, { recursive: true, force: true }));

/** Config JSON that is not a valid PPO config (checked against the schema itself). */
const badConfigJson = fc
  .oneof(
    fc.string(), // not JSON at all, mostly
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.dictionary(fc.constantFrom('lr', 'numWorkers', 'gamma', 'hidden', 'trainBatchSize', 'clipParam', 'maxActorRestarts', 'numericChecks', 'bogusKey'), fc.jsonValue()).map((v) => JSON.stringify(v)),
  )
  .filter((text) => {
    try {
      ppo.config({ ...JSON.parse(text), env: 'CartPole-v1' });
      return false; // a valid config: not a bad input
    } catch {
      return true;
    }
  });

/** Plan-file contents that cannot give a plan: syntax errors, wrong exports, throwing plan(), module mix-ups. */
const badPlanFile = fc.oneof(
  fc.string({ minLength: 1 }).map((s) => ({ ext: '.ts', text: `export const plan = ${s}` })),
  fc.jsonValue().map((v) => ({ ext: '.mjs', text: `export const plan = ${JSON.stringify(v)};\n` })),
  fc.string().map((m) => ({ ext: '.ts', text: `export function plan() { throw new Error(${JSON.stringify(m)}); }\n` })),
  fc.string().map((m) => ({ ext: '.mjs', text: `const fs = require('fs');\nexport const plan = ${JSON.stringify(m)};\n` })),
  fc.constantFrom(
    { ext: '.cjs', text: "module.exports = { plan: 'x' };\n" },
    { ext: '.js', text: "import x from 'nowhere-at-all';\nexport const plan = x;\n" },
    { ext: '.ts', text: 'export const notAPlan = 1;\n' },
    { ext: '.ts', text: 'const items = await Promise.resolve([1]);\nexport const plan = items;\n' }, // top-level await in a .ts loaded as CommonJS
    { ext: '.ts', text: 'export default async function () { return undefined; }\n' },
    { ext: '.ts', text: `import { fromItems } from ${JSON.stringify(DSL)};\nexport const plan = fromItems([1, undefined, 3]);\n` },
    { ext: '.ts', text: `import { fromItems } from ${JSON.stringify(DSL)};\nexport function plan() { return fromItems([1, 2]).forEach(() => undefined).forEach(function fmt(x: number) { return x.toFixed(1); }); }\n` },
  ),
);

describe('CLI fuzz: bad input exits quickly, non-zero, with a clear message and no stack trace', () => {
  test('flags: bad values and unknown options (in process)', { timeout: 90_000 }, async () => {
    const flag = fc.oneof(
      fc.tuple(fc.constantFrom('--seed', '--workers', '--stop-iters', '--stop-timesteps', '--stop-reward', '--backend', '--env', '--optimize'), fc.string()).map(([f, v]) => [f, v]),
      fc.string({ minLength: 1 }).map((s) => [`--${s.replace(/^-+/, '') || 'x'}`]),
    );
    await fc.assert(
      fc.asyncProperty(flag, where(), async (bad, w) => {
        const argv = [...BASE, '--out', outFor(w), ...bad];
        // A flag value that happens to be valid (say --seed 3) leaves nothing wrong to report.
        fc.pre(!/^--(seed|workers|stop-iters|stop-timesteps)$/.test(bad[0]!) || !/^\s*\d+\s*$/.test(bad[1] ?? ''));
        fc.pre(bad[0] !== '--stop-reward' || !Number.isFinite(Number(bad[1])));
        fc.pre(!(bad[0] === '--backend' && ['local', 'farm'].includes(bad[1] ?? '')) && !(bad[0] === '--env' && bad[1] === 'CartPole-v1'));
        fc.pre(!['--quiet', '--help', '--h', '--skip-check', '--explain', '--trace', '--no-optimize', '--version', '--v'].includes(bad[0]!) && !/^--(optimize|passes|plugin|trace|out|config)/.test(bad[0]!) || bad.length === 2);
        fc.pre(!(bad[0] === '--optimize' && ['on', 'off', 'true', 'false', ''].includes(bad[1] ?? '')));
        assertCleanFailure(await inProcess(argv), argv);
      }),
      { numRuns: 60, seed: 15 },
    );
  });

  test('config files: invalid JSON and invalid configs (in process)', { timeout: 90_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(badConfigJson, where(), async (text, w) => {
        const argv = [...BASE, '--config', newFile('.json', text), '--out', outFor(w)];
        assertCleanFailure(await inProcess(argv), argv);
      }),
      { numRuns: 60, seed: 15 },
    );
  });

  test('--out and --config paths: /proc, a file used as a directory, directories, missing files (in process)', { timeout: 90_000 }, async () => {
    const badPath = fc.oneof(
      fc.string({ minLength: 1 }).map((s) => path.join('/proc', s.replace(/\0/g, ''), 'run')),
      fc.string({ minLength: 1 }).map((s) => path.join(aFile, s.replace(/\0/g, ''))),
      fc.constantFrom('/proc/x', '/proc/self/status/run', '/sys/run', '/dev/null/run', `${aFile}/x/y`),
    );
    await fc.assert(
      fc.asyncProperty(badPath, fc.boolean(), async (p, asConfig) => {
        const argv = asConfig ? [...BASE, '--config', p, '--out', runDir] : [...BASE, '--out', p];
        assertCleanFailure(await inProcess(argv), argv);
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  test('plan files: syntax errors, wrong exports, plan() throwing, module mix-ups, undefined items (in process)', { timeout: 90_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(badPlanFile, where(), async ({ ext, text }, w) => {
        const argv = ['train', newFile(ext, text), '--backend', 'local', '--stop-iters', '3', '--skip-check', '--out', outFor(w)];
        const o = await inProcess(argv);
        assertCleanFailure(o, argv);
        // A syntax error names its place in the file.
        if (/^export const plan = /.test(text) && ext === '.ts' && /PlanError: cannot import/.test(o.stderr) && /Unexpected|Expected/.test(o.stderr)) {
          assert.match(o.stderr, /\[at .+:\d+:\d+\]|:\d+:\d+: ERROR/, `syntax errors carry a location: ${o.stderr}`);
        }
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  test('real processes: the cases that once hung or printed stack traces', { timeout: 90_000 }, () => {
    const cases: string[][] = [
      [...BASE, '--out', '/proc/x'], // spun at 100% CPU (recursive mkdir on /proc)
      [...BASE, '--out', path.join(aFile, 'sub')], // ENOTDIR stack trace
      ['train', newFile('.ts', 'export const plan = ;\n'), '--skip-check'], // syntax error without a location
      ['train', newFile('.mjs', 'export const plan = ;\n'), '--skip-check'], // Node's SyntaxError carries none at all
      ['train', newFile('.ts', 'export function plan() { throw new Error("boom"); }\n'), '--skip-check'], // stack trace
      ['train', newFile('.mjs', "const x = require('fs');\nexport const plan = x;\n"), '--skip-check'], // CJS in ESM, no hint
      ['train', newFile('.ts', 'const x = await Promise.resolve(1);\nexport const plan = x;\n'), '--skip-check'], // top-level await in a CJS-loaded .ts, no hint
      [...BASE, '--out', runDir], // overwrote an existing run
      ['train', 'ppo', '--env', 'NoSuchEnv-v0', '--out', path.join(root, 'never')], // started workers and wrote a run dir first
    ];
    for (const argv of cases) {
      const o = spawned(argv);
      assertCleanFailure(o, argv);
      if (argv[1]?.endsWith('.mjs') && o.stderr.includes('require')) assert.match(o.stderr, /hint: this file is an ES module/);
      if (o.stderr.includes('Top-level await')) assert.match(o.stderr, /hint: .*name it \.mts/);
    }
    assert.throws(() => statSync(path.join(root, 'never')), 'a failed start writes no run directory');
  });
});
