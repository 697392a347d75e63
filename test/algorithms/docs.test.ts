/**
 * The algorithm pages (docs/algorithms/<algo>.md) stay true to the code: their generated regions —
 * the plan function, its size, the compiled plan's dump, the config table and the tuned examples —
 * must equal what scripts/gen-algorithm-docs.ts generates now. When this fails, run
 * `node --import tsx scripts/gen-algorithm-docs.ts` and review the diff.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { algorithms } from '../../src/algorithms/index.js';
import { PAGES, configTable, countPlanLines, fillRegions, planSource, renderPages, typeText } from '../../scripts/gen-algorithm-docs.js';

describe('algorithm docs', () => {
  test('every algorithm has a page', () => {
    assert.deepEqual(PAGES.map((p) => p.algorithm).sort(), Object.keys(algorithms).sort());
  });

  test('every page is up to date with the code (plan, graph, config table, tuned examples)', async () => {
    for (const { file, current, expected } of await renderPages()) {
      assert.ok(current === expected, `${file} is out of date: run \`node --import tsx scripts/gen-algorithm-docs.ts\``);
    }
  });

  test("each page's config table has one row per schema key, with the schema's default", () => {
    for (const { algorithm } of PAGES) {
      const algo = algorithms[algorithm]!;
      const defaults = algo.config({}) as Record<string, unknown>;
      const rows = configTable(algo.schema)
        .split('\n')
        .slice(2)
        .map((row) => row.split(' | '));
      const keys = rows.map((cells) => /`(\w+)`/.exec(cells[0]!)![1]!);
      assert.deepEqual(keys.sort(), Object.keys((algo.schema as unknown as z.ZodObject).shape).sort(), algorithm);
      for (const cells of rows) {
        const key = /`(\w+)`/.exec(cells[0]!)![1]!;
        const shown = cells[2]!.startsWith('unset') ? undefined : JSON.parse(/^`([^`]*)`/.exec(cells[2]!)![1]!);
        assert.deepEqual(shown, defaults[key], `${algorithm}.${key}`);
      }
    }
  });
});

describe('gen-algorithm-docs', () => {
  test('types are written from the schema checks', () => {
    const json = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' }) as Parameters<typeof typeText>[0];
    assert.equal(typeText(json(z.number().int().min(1))), 'integer ≥ 1');
    assert.equal(typeText(json(z.number().min(0).max(1))), 'number in [0, 1]');
    assert.equal(typeText(json(z.number().positive())), 'number > 0');
    assert.equal(typeText(json(z.enum(['tanh', 'relu']))), "'tanh' | 'relu'");
    assert.equal(typeText(json(z.array(z.number().int().positive()))), '(integer > 0)[]');
    assert.equal(typeText(json(z.boolean())), 'boolean');
  });

  test('the config table shows defaults that differ from the common keys, unset optionals, and escapes pipes', () => {
    const table = configTable(
      z.object({
        lr: z.number().default(0.5).describe('learning rate'),
        mode: z.enum(['a', 'b']).default('a').describe('a | b'),
        extra: z.number().optional().describe('none by default'),
      }),
    );
    assert.deepEqual(table.split('\n'), [
      '| key | type | default | description |',
      '|---|---|---|---|',
      '| `lr` | number | `0.5` (common: `0.0001`) | learning rate |',
      "| `mode` | 'a' \\| 'b' | `\"a\"` | a \\| b |",
      '| `extra` | number | unset | none by default |',
    ]);
  });

  test('plan functions are extracted and counted without comment, blank or bracket-only lines', () => {
    const source = ['import x;', 'export function fooPlan(c: C): S {', '  // a comment', '', '  const a = f({', '    k: 1,', '  });', '  return g(a);', '}', 'export const foo = 1;'].join('\n');
    const code = planSource(source, 'fooPlan');
    assert.equal(code.split('\n').length, 8);
    assert.equal(countPlanLines(code), 4);
    assert.throws(() => planSource(source, 'barPlan'), /no 'export function barPlan\('/);
  });

  test('regions are replaced between markers; unknown and missing regions are errors', () => {
    const page = 'intro\n<!-- generated:a -->\nold\n<!-- /generated:a -->\noutro\n';
    assert.equal(fillRegions(page, { a: 'new' }), 'intro\n<!-- generated:a -->\n\nnew\n\n<!-- /generated:a -->\noutro\n');
    assert.equal(fillRegions(fillRegions(page, { a: 'new' }), { a: 'new' }), fillRegions(page, { a: 'new' }));
    assert.throws(() => fillRegions(page, { a: 'x', b: 'y' }), /missing generated region\(s\) b/);
    assert.throws(() => fillRegions(page, {}), /unknown generated region 'a'/);
  });
});
