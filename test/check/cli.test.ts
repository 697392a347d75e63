/**
 * `rlflow check` and `rlflow loc` on the command line: output, and exit codes through `main` in a
 * child process (0 when the files pass, 1 with violations, 2 for usage errors).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/cli/args.js';
import { check } from '../../src/cli/check.js';
import { loc } from '../../src/cli/loc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { encoding: 'utf8', cwd: ROOT });

async function output(run: (argv: string[], out: (line: string) => void) => Promise<number>, argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await run(argv, (l) => lines.push(...l.split('\n')));
  return { code, lines };
}

describe('rlflow check (command)', () => {
  test('good files: ok with the counts, exit 0; a violation: its lines and exit 1 (child process)', () => {
    const good = cli('check', 'test/fixtures/check/good-stages.ts', 'test/fixtures/check/good-plan.ts');
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.stdout.trim(), 'ok: 2 files, 5 stage definitions checked');
    const bad = cli('check', 'test/fixtures/check/bad-captured.ts');
    assert.equal(bad.status, 1, bad.stderr);
    const lines = bad.stdout.trim().split('\n');
    assert.match(lines[0]!, /^test\/fixtures\/check\/bad-captured\.ts:10:18: not-exported: stage 'scaled' is defined inside function 'makePlan'/);
    assert.match(lines[2]!, /^test\/fixtures\/check\/bad-captured\.ts:10:65: captured-variable: .* \(identifier 'k'\)$/);
    assert.match(lines[3]!, /^ {2}hint: pass it as a factory argument/);
    assert.equal(lines.at(-1), '2 problem(s): 1 file, 2 stage definitions checked');
  });

  test('no files is a usage error; a missing file is an error naming it', async () => {
    await assert.rejects(check([]), (e: unknown) => e instanceof UsageError && /give the plan files to check/.test(e.message));
    const missing = await output(check, ['test/fixtures/check/nope.ts']).catch((e: Error) => e);
    assert.ok(missing instanceof Error && missing.name === 'PlanFileError' && /no such plan file: test\/fixtures\/check\/nope\.ts/.test(missing.message));
  });
});

describe('rlflow loc (command)', () => {
  test('prints the text table and what is counted; --format md prints the Markdown table', async () => {
    const text = await output(loc, []);
    assert.equal(text.code, 0);
    assert.match(text.lines[0]!, /^algorithm\s+rlflow plan\s+lines\s+RLlib 1\.8\.0 plan\s+lines\s+RLlib \/ rlflow$/);
    assert.ok(text.lines.some((l) => /^ppo\s+src\/algorithms\/ppo\.ts:ppoPlan\s+\d+\s+agents\/ppo\/ppo\.py:execution_plan\s+30\s+\d+\.\d×$/.test(l)), text.lines.join('\n'));
    assert.match(text.lines.at(-1)!, /^lines: non-blank, non-comment lines of the plan function/);
    const md = await output(loc, ['--format', 'md']);
    assert.equal(md.lines[1], '| --- | --- | --: | --- | --: | --: |');
    assert.ok(md.lines.some((l) => l.startsWith('| pg | `src/algorithms/pg.ts:pgPlan` |')));
  });

  test('bad options are usage errors', async () => {
    await assert.rejects(loc(['--format', 'html']), (e: unknown) => e instanceof UsageError && /--format must be one of text, md/.test(e.message));
    await assert.rejects(loc(['--dir', 'no/such/dir']), (e: unknown) => e instanceof UsageError && /no such directory/.test(e.message));
    await assert.rejects(loc(['--write', 'docs/loc.md', '--format', 'text']), (e: unknown) => e instanceof UsageError && /use --format md/.test(e.message));
  });
});
