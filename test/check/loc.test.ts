/**
 * `rlflow loc` (src/check/loc.ts, docs/loc.md): one row per algorithm with positive counts and
 * ratios, counts that agree with the plan-size paragraphs of docs/algorithms/*.md, the counting rule
 * on a snippet, and docs/loc.md's table kept up to date with the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Project, SyntaxKind } from 'ts-morph';
import { algorithms } from '../../src/algorithms/index.js';
import { countCodeLines, measurePlans, type PlanSize } from '../../src/check/loc.js';
import { formatLocTable } from '../../src/check/loc-table.js';
import { rllibPlanSize } from '../../src/check/rllib-plan-sizes.js';
import { fillLocRegion, locTable } from '../../src/cli/loc.js';
import { countPlanLines, planSource } from '../../scripts/gen-algorithm-docs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALGORITHMS = fileURLToPath(new URL('../../src/algorithms/', import.meta.url));

describe('rlflow loc', () => {
  const sizes = measurePlans(ALGORITHMS);

  test('one row per registered algorithm, each with a positive count, its RLlib plan and a positive ratio', () => {
    assert.deepEqual(sizes.map((s) => s.algorithm), Object.keys(algorithms).sort());
    for (const s of sizes) {
      assert.ok(s.lines > 0 && s.lines <= s.endLine - s.startLine + 1, `${s.algorithm}: ${s.lines} lines in ${s.startLine}–${s.endLine}`);
      assert.ok(s.rllib, `${s.algorithm} has no RLlib reference size`);
      assert.ok(s.ratio! > 0 && Math.abs(s.ratio! - s.rllib.lines / s.lines) < 1e-12, s.algorithm);
    }
    for (const algorithm of ['a2c', 'a3c', 'pg', 'ppo']) {
      const s = sizes.find((x) => x.algorithm === algorithm);
      assert.deepEqual([s?.planFunction, s?.file], [`${algorithm}Plan`, `src/algorithms/${algorithm}.ts`]);
    }
  });

  test('counts agree with the plan-size paragraphs of docs/algorithms (scripts/gen-algorithm-docs.ts)', () => {
    for (const s of sizes) {
      assert.equal(s.lines, countPlanLines(planSource(readFileSync(`${ROOT}${s.file}`, 'utf8'), s.planFunction)), s.algorithm);
    }
  });

  test('docs/loc.md shows the current table (run `rlflow loc --write docs/loc.md` when this fails)', async () => {
    const page = readFileSync(`${ROOT}docs/loc.md`, 'utf8');
    assert.ok(page === fillLocRegion(page, await locTable(ALGORITHMS, 'md')), 'docs/loc.md is out of date: run `rlflow loc --write docs/loc.md`');
  });
});

describe('plan line counting', () => {
  const count = (code: string) => {
    const file = new Project({ useInMemoryFileSystem: true }).createSourceFile('x.ts', code);
    return countCodeLines(file.getFirstDescendantByKindOrThrow(SyntaxKind.FunctionDeclaration));
  };

  test('signature and code lines count; blank, comment-only and closing-bracket lines do not', () => {
    const code = ['/** Doc comment: not part of the function. */', 'export function fooPlan(c: number): number {', '  // a comment', '', '  /* block', '     comment */', '  const a = f({', '    k: 1,', '  });', '  return g(a); // trailing comment', '}'].join('\n');
    assert.equal(count(code), 4);
  });

  test('comment markers inside strings are code; a multi-line template counts on each line', () => {
    const code = ['function p() {', "  const url = 'http://x'; ", '  const t = `a', '// not a comment', 'b`;', '  /** inner doc */', '  return [url, t];', '}'].join('\n');
    assert.equal(count(code), 6);
  });
});

describe('loc table', () => {
  const row = (algorithm: string, lines: number): PlanSize => {
    const rllib = rllibPlanSize(algorithm);
    return { algorithm, planFunction: `${algorithm}Plan`, file: `src/algorithms/${algorithm}.ts`, startLine: 1, endLine: lines, lines, rllib, ratio: rllib ? rllib.lines / lines : undefined };
  };

  test('Markdown rows with the ratio, a dash without an RLlib plan, and a total over the compared plans', () => {
    const md = formatLocTable([row('dqn', 20), row('simple-q', 10), row('mine', 3)], 'md').split('\n');
    assert.deepEqual(md, [
      '| algorithm | rlflow plan | lines | RLlib 1.8.0 plan | lines | RLlib / rlflow |',
      '| --- | --- | --: | --- | --: | --: |',
      '| dqn | `src/algorithms/dqn.ts:dqnPlan` | 20 | `agents/dqn/dqn.py:execution_plan` | 67 | 3.4× |',
      '| simple-q | `src/algorithms/simple-q.ts:simple-qPlan` | 10 | `agents/dqn/simple_q.py:execution_plan` | 31 | 3.1× |',
      '| mine | `src/algorithms/mine.ts:minePlan` | 3 | — | — | — |',
      '| **total** | 2 plans | 30 | 2 plans | 98 | 3.3× |',
    ]);
  });

  test('text rows are aligned, numbers to the right', () => {
    const text = formatLocTable([row('pg', 5), row('ppo', 14)]).split('\n');
    const rllibColumn = text[0]!.indexOf('RLlib 1.8.0 plan');
    assert.deepEqual([text[1]!.indexOf('agents/'), text[2]!.indexOf('agents/'), text[3]!.indexOf('2 plans', 20)], [rllibColumn, rllibColumn, rllibColumn]);
    assert.equal(new Set(text.map((l) => l.length)).size, 1, 'every line ends with the right-aligned ratio column');
    assert.match(text[1]!, /^pg\s+src\/algorithms\/pg\.ts:pgPlan\s+5\s+agents\/trainer_template\.py:default_execution_plan\s+21\s+4\.2×$/);
    assert.match(text[3]!, /^total\s+2 plans\s+19\s+2 plans\s+51\s+2\.7×$/);
  });

  test('fillLocRegion replaces only the marked region, idempotently, and needs the markers', () => {
    const page = 'intro\n<!-- generated:loc -->\nold\n<!-- /generated:loc -->\noutro\n';
    const filled = fillLocRegion(page, 'TABLE');
    assert.equal(filled, 'intro\n<!-- generated:loc -->\n\nTABLE\n\n<!-- /generated:loc -->\noutro\n');
    assert.equal(fillLocRegion(filled, 'TABLE'), filled);
    assert.throws(() => fillLocRegion('no markers', 'TABLE', 'x.md'), /x\.md has no '<!-- generated:loc -->'/);
  });
});
