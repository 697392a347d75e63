/**
 * Keeps the algorithm pages (docs/algorithms/<algo>.md) true to the code. Each page has regions
 * between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers that this script rewrites
 * from the source of truth:
 *
 * - `plan-code`  — the plan function, copied from src/algorithms/<algo>.ts;
 * - `plan-size`  — its length, counted like spec/rllib-reference.md §3.2, next to RLlib's;
 * - `plan-graph` (and `plan-graph-<variant>`) — `dumpGraph(graph, { sources: false })` of the plan
 *   compiled from the default config (or a variant's config);
 * - `config`     — every config key: type, default and description, read from the zod schema;
 * - `tuned`      — the tuned examples (src/algorithms/tuned.ts) and their learning targets.
 *
 * A region's text is surrounded by blank lines, so markdown tables and code blocks inside it end
 * before the closing marker. Everything else on a page is prose and is left alone. Run it after changing an algorithm:
 *
 *   node --import tsx scripts/gen-algorithm-docs.ts            rewrite the pages
 *   node --import tsx scripts/gen-algorithm-docs.ts --check    exit 1 if a page is out of date
 *
 * test/algorithms/docs.test.ts fails when a page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { algorithms, tunedExamples, type LearningTarget } from '../src/algorithms/index.js';
import { commonSchema } from '../src/algorithms/common.js';
import { compile } from '../src/dsl/compile.js';
import { dumpGraph } from '../src/ir/dump.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What each page shows, beyond what every page has. */
interface PageSpec {
  readonly algorithm: string;
  /** The plan function's name in src/algorithms/<algorithm>.ts (or in `planFile`). */
  readonly planFunction: string;
  /** The algorithm file holding the plan function when another algorithm's plan is reused (TD3: 'ddpg'). */
  readonly planFile?: string;
  /** RLlib 1.8.0's plan, and its size in code-only lines (spec/rllib-reference.md §3.2). */
  readonly rllib: { readonly plan: string; readonly lines: number };
  /** Extra graphs: region `plan-graph-<name>`, compiled from the defaults plus `config`. */
  readonly variants?: ReadonlyArray<{ readonly name: string; readonly config: Readonly<Record<string, unknown>> }>;
}

export const PAGES: readonly PageSpec[] = [
  { algorithm: 'pg', planFunction: 'pgPlan', rllib: { plan: '`trainer_template.py:default_execution_plan`', lines: 21 } },
  {
    algorithm: 'a2c',
    planFunction: 'a2cPlan',
    rllib: { plan: '`a3c/a2c.py:execution_plan`', lines: 33 },
    variants: [{ name: 'microbatch', config: { microbatchSize: 50 } }],
  },
  { algorithm: 'a3c', planFunction: 'a3cPlan', rllib: { plan: '`a3c/a3c.py:execution_plan`', lines: 5 } },
  { algorithm: 'ppo', planFunction: 'ppoPlan', rllib: { plan: '`ppo/ppo.py:execution_plan`', lines: 30 } },
  { algorithm: 'impala', planFunction: 'impalaPlan', rllib: { plan: '`impala/impala.py:execution_plan`', lines: 24 } },
  { algorithm: 'appo', planFunction: 'appoPlan', rllib: { plan: '`impala/impala.py:execution_plan` (APPO uses IMPALA\'s)', lines: 24 } },
  { algorithm: 'simpleq', planFunction: 'simpleQPlan', rllib: { plan: '`dqn/simple_q.py:execution_plan`', lines: 31 } },
  { algorithm: 'dqn', planFunction: 'dqnPlan', rllib: { plan: '`dqn/dqn.py:execution_plan`', lines: 67 } },
  { algorithm: 'apex', planFunction: 'apexPlan', rllib: { plan: '`dqn/apex.py:apex_execution_plan`', lines: 74 } },
  { algorithm: 'sac', planFunction: 'sacPlan', rllib: { plan: '`dqn/dqn.py:execution_plan` (SAC runs on it)', lines: 67 } },
  { algorithm: 'ddpg', planFunction: 'ddpgPlan', rllib: { plan: '`dqn/dqn.py:execution_plan` (DDPG runs on it)', lines: 67 } },
  { algorithm: 'td3', planFunction: 'ddpgPlan', planFile: 'ddpg', rllib: { plan: '`dqn/dqn.py:execution_plan` (TD3 runs on it)', lines: 67 } },
  { algorithm: 'ma-ppo', planFunction: 'maPpoPlan', rllib: { plan: '`ppo/ppo.py:execution_plan` (with a `multiagent` config)', lines: 30 } },
  { algorithm: 'two-trainer', planFunction: 'twoTrainerPlan', rllib: { plan: '`examples/two_trainer_workflow.py:custom_training_workflow`', lines: 45 } },
];

export function pagePath(algorithm: string): string {
  return path.join(ROOT, 'docs', 'algorithms', `${algorithm}.md`);
}

function algorithmFile(algorithm: string): string {
  return path.join(ROOT, 'src', 'algorithms', `${algorithm}.ts`);
}

// ---------------------------------------------------------------------------------------------
// The plan function and its size

/** The source of `export function <name>(…) { … }`: from its line to the first `}` in column 0. */
export function planSource(source: string, name: string): string {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`export function ${name}(`));
  if (start < 0) throw new Error(`no 'export function ${name}(' found`);
  const end = lines.findIndex((l, i) => i > start && l === '}');
  if (end < 0) throw new Error(`the function ${name} has no closing '}' in column 0`);
  return lines.slice(start, end + 1).join('\n');
}

/**
 * Lines of a function counted as spec §3.2 counts RLlib's plans (non-blank lines that are not
 * comments, signature included), except that lines holding only closing brackets (`}`, `});`) are
 * not counted: Python, which RLlib's plans are written in, has no such lines.
 */
export function countPlanLines(code: string): number {
  return code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('*') && !/^[)}\];,]+$/.test(l)).length;
}

// ---------------------------------------------------------------------------------------------
// The plan as a graph

async function graphDump(algorithm: string, overrides: Readonly<Record<string, unknown>>): Promise<string> {
  const algo = algorithms[algorithm];
  if (!algo) throw new Error(`unknown algorithm '${algorithm}'`);
  const plan = await compile(algo.plan(algo.config(overrides) as never), { name: algorithm });
  return dumpGraph(plan.graph, { sources: false, root: ROOT });
}

// ---------------------------------------------------------------------------------------------
// The config table, from the zod schema (through zod's JSON Schema export, which resolves defaults,
// descriptions and checks however the schema's wrappers are nested)

interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
}

function properties(schema: z.ZodType): Readonly<Record<string, JsonSchema>> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return json.properties ?? {};
}

/** `integer ≥ 1`, `number in [0, 1]`, `'tanh' \| 'relu'`, `(integer > 0)[]`, … */
export function typeText(p: JsonSchema): string {
  if (p.enum) return p.enum.map((v) => JSON.stringify(v).replace(/"/g, "'")).join(' | ');
  if (p.type === 'array') {
    const item = p.items ? typeText(p.items) : 'unknown';
    return /\s/.test(item) ? `(${item})[]` : `${item}[]`;
  }
  if (p.type === 'integer' || p.type === 'number') {
    const max = p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER ? p.maximum : undefined;
    const lo = p.exclusiveMinimum !== undefined ? `> ${p.exclusiveMinimum}` : p.minimum !== undefined && p.minimum > Number.MIN_SAFE_INTEGER ? `≥ ${p.minimum}` : undefined;
    if (p.minimum !== undefined && max !== undefined) return `${p.type} in [${p.minimum}, ${max}]`;
    const hi = p.exclusiveMaximum !== undefined ? `< ${p.exclusiveMaximum}` : max !== undefined ? `≤ ${max}` : undefined;
    return [p.type, lo, hi].filter(Boolean).join(' ');
  }
  if (p.type === 'object') return 'object';
  return p.type ?? 'unknown';
}

function valueText(value: unknown): string {
  return value === undefined ? 'unset' : `\`${JSON.stringify(value)}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of every key of an algorithm's config schema. */
export function configTable(schema: z.ZodType): string {
  const common = properties(commonSchema);
  const rows = Object.entries(properties(schema)).map(([key, p]) => {
    const base = common[key];
    const differs = base !== undefined && JSON.stringify(base.default) !== JSON.stringify(p.default);
    const dflt = valueText(p.default) + (differs ? ` (common: ${valueText(base.default)})` : '');
    return `| \`${key}\` | ${cell(typeText(p))} | ${cell(dflt)} | ${cell(p.description ?? '')} |`;
  });
  return ['| key | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Tuned examples

export function tunedTable(algorithm: string): string {
  const examples = tunedExamples().filter((e) => e.algorithm === algorithm);
  if (examples.length === 0) return '_No tuned example yet._';
  const steps = (n: number): string => n.toLocaleString('en-US');
  const rows = examples.map(({ env, example }) => {
    // `targets` (every benchmark target of the run) where the example lists several, else its stop target.
    const all: readonly LearningTarget[] = example.targets ?? [example.target];
    const targets = all.map((t) => `${t.policies ? `each of ${t.policies.map((p) => `\`${p}\``).join(', ')}: ` : ''}${t.reward} within ${steps(t.timesteps)}`).join('; ');
    // Reported-only thresholds (the benchmark reports the steps to them, e.g. SAC's −200 on Pendulum).
    const reports = (example.reports ?? []).map((t) => `; also reported: steps to ${t.reward} (within ${steps(t.timesteps)})`).join('');
    const keys = Object.entries(example.config)
      .map(([k, v]) => `\`${k}: ${JSON.stringify(v)}\``)
      .join(', ');
    const variants = Object.entries(example.variants ?? {}).map(
      ([name, overrides]) => `; variant *${name}* (same targets): ${Object.entries(overrides).map(([k, v]) => `\`${k}: ${JSON.stringify(v)}\``).join(', ')}`,
    );
    return `| ${env} | ${targets}${reports} | ${example.target.reward} or ${steps(example.target.timesteps)} steps | ${cell(keys + variants.join(''))} |`;
  });
  return [
    '| env | learning targets (mean return of the last 100 episodes, within env steps) | `rlflow train` stops at | config (over the defaults) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Pages

/** The generated text of every region of one page. */
export async function regions(spec: PageSpec): Promise<Record<string, string>> {
  const algo = algorithms[spec.algorithm];
  if (!algo) throw new Error(`unknown algorithm '${spec.algorithm}'`);
  const file = spec.planFile ?? spec.algorithm;
  const code = planSource(readFileSync(algorithmFile(file), 'utf8'), spec.planFunction);
  const lines = countPlanLines(code);
  const out: Record<string, string> = {
    'plan-code': ['```ts', `// src/algorithms/${file}.ts`, code, '```'].join('\n'),
    'plan-size':
      `\`${spec.planFunction}\` is **${lines} lines**; RLlib 1.8.0's ${spec.rllib.plan} is **${spec.rllib.lines}** ` +
      `(spec/rllib-reference.md §3.2). Lines are counted the same way for both: non-blank, non-comment lines ` +
      `of the function, signature included; rlflow's lines that hold only closing brackets are not counted, ` +
      `since Python has none.`,
    'plan-graph': ['```', (await graphDump(spec.algorithm, {})).trimEnd(), '```'].join('\n'),
    config: configTable(algo.schema),
    tuned: tunedTable(spec.algorithm),
  };
  for (const v of spec.variants ?? []) out[`plan-graph-${v.name}`] = ['```', (await graphDump(spec.algorithm, v.config)).trimEnd(), '```'].join('\n');
  return out;
}

const REGION = /(<!-- generated:([\w-]+) -->\n)([\s\S]*?)(<!-- \/generated:\2 -->)/g;

/** The page with every generated region replaced; throws on a region it does not know or one missing. */
export function fillRegions(page: string, generated: Readonly<Record<string, string>>, where = 'page'): string {
  const seen = new Set<string>();
  const filled = page.replace(REGION, (_m, open: string, name: string, _old: string, close: string) => {
    const text = generated[name];
    if (text === undefined) throw new Error(`${where}: unknown generated region '${name}'`);
    seen.add(name);
    return `${open}\n${text}\n\n${close}`;
  });
  const missing = Object.keys(generated).filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`${where}: missing generated region(s) ${missing.join(', ')} (add <!-- generated:NAME --> … <!-- /generated:NAME --> markers)`);
  return filled;
}

/** Each page's current text and the text it should have. */
export async function renderPages(): Promise<Array<{ file: string; current: string; expected: string }>> {
  const out = [];
  for (const spec of PAGES) {
    const file = pagePath(spec.algorithm);
    const current = readFileSync(file, 'utf8');
    out.push({ file, current, expected: fillRegions(current, await regions(spec), path.relative(ROOT, file)) });
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  let stale = 0;
  for (const { file, current, expected } of await renderPages()) {
    const rel = path.relative(ROOT, file);
    if (current === expected) {
      console.log(`${rel}: up to date`);
      continue;
    }
    stale++;
    if (check) console.log(`${rel}: OUT OF DATE (run node --import tsx scripts/gen-algorithm-docs.ts)`);
    else {
      writeFileSync(file, expected);
      console.log(`${rel}: rewritten`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
