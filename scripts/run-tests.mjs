#!/usr/bin/env node
// Test entry point (`npm test`). Finds every `*.test.ts` under test/ (recursively, sorted) and runs
// them with Node's built-in test runner, loading TypeScript through tsx:
//
//   node --import tsx --test --test-concurrency=1 [--test-reporter=spec] --test-timeout=<ms> <files...>
//
// Usage:
//   npm test                          all test files
//   npm test -- property              only files whose path contains "property"
//   npm test -- infra dsl             files matching any of the substrings
//   npm test -- --test-name-pattern=x arguments starting with "--" go to `node` unchanged
//
// The spec reporter is used only when stdout is a TTY; elsewhere (CI, pipes) Node's default TAP reporter
// runs, so the '# pass N' / '# fail N' summary lines appear in logs.
// Env: RLFLOW_TEST_TIMEOUT — per-test timeout in ms (default 240000; it also bounds a whole test file,
// and test/package/packaged.test.ts packs and installs rlflow into a fresh project: ~2 min on 2 cores).

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'test');
const DEFAULT_TIMEOUT_MS = 240_000;

/** All `*.test.ts` files under `dir`, as root-relative POSIX paths. */
function findTestFiles(dir) {
  const found = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err && err.code === 'ENOENT') return found;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      found.push(relative(ROOT, full).split(sep).join('/'));
    }
  }
  return found;
}

function parseTimeout(raw) {
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    console.error(`run-tests: RLFLOW_TEST_TIMEOUT must be a positive integer (ms), got '${raw}'`);
    process.exit(1);
  }
  return ms;
}

const args = process.argv.slice(2);
const nodeArgs = args.filter((a) => a.startsWith('--'));
const filters = args.filter((a) => !a.startsWith('--'));
const timeoutMs = parseTimeout(process.env.RLFLOW_TEST_TIMEOUT);

const all = findTestFiles(TEST_DIR).sort();
const files = filters.length === 0 ? all : all.filter((f) => filters.some((s) => f.includes(s)));

if (files.length === 0) {
  const what = filters.length === 0 ? '' : ` matching ${filters.map((s) => `'${s}'`).join(' or ')}`;
  console.error(`run-tests: no *.test.ts files found under test/${what} (${all.length} test files in total)`);
  process.exit(1);
}

const argv = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  `--test-timeout=${timeoutMs}`,
  ...(process.stdout.isTTY ? ['--test-reporter=spec'] : []),
  ...nodeArgs,
  ...files,
];

// The optimizer verifies the IR after every pass in tests (RLFLOW_VERIFY, see src/optimizer/manager.ts).
const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RLFLOW_VERIFY: process.env.RLFLOW_VERIFY ?? '1' } });

// Ctrl-C reaches the child through the terminal's process group; don't die before it reports.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

child.on('error', (err) => {
  console.error(`run-tests: failed to start node: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) console.error(`run-tests: test runner killed by ${signal}`);
  process.exit(code ?? 1);
});
