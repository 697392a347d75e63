/**
 * `rlflow inspect <algo | plan-file>`: compiles a plan (a built-in algorithm's, configured like
 * `rlflow train` configures it, or a user's plan file), optimizes it with the pass pipeline the flags
 * ask for, and renders the result as text, JSON, Graphviz DOT, Mermaid or a self-contained HTML page.
 * Nothing runs: inspecting a plan never starts an actor.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { algorithms, tunedExample } from '../algorithms/index.js';
import { compile, type CompiledPlan } from '../dsl/compile.js';
import { INSPECT_FORMATS, renderInspect, type InspectInput } from '../inspect/index.js';
import { formatReport, optimize } from '../optimizer/index.js';
import { choiceOption, parse, UsageError } from './args.js';
import { optimizeFromFlags, optimizerHelp, optimizerOptions } from './optimize-options.js';
import { loadPlanFile, looksLikePlanFile } from './plan-file.js';
import { readConfigFile } from './train.js';

export const inspectHelp = `rlflow inspect <algo | plan-file> [options]

Shows a plan as compiled and as optimized, without running it. <algo> is one of
${Object.keys(algorithms).join(', ')} (configured as rlflow train would: defaults ← tuned example ← --config);
a plan file is a module exporting \`plan\` (see docs/inspect.md), or a plan saved with --format json --out.
  --format <f>          ${INSPECT_FORMATS.join(' | ')} (default text: the optimized plan's stable dump)
  --out <file>          write to a file (and print its path) instead of stdout
  --env <id>            environment for an algorithm (default CartPole-v1)
  --config <file.json>  algorithm config keys, applied over the defaults
${optimizerHelp}
  (with --format text, --explain appends the optimizer report; json and html always include it)`;

/** The plan `rlflow inspect` is pointed at, compiled. */
async function compileTarget(target: string, values: Record<string, unknown>): Promise<CompiledPlan> {
  const algorithm = algorithms[target];
  if (!algorithm) {
    if (!looksLikePlanFile(target)) {
      throw new UsageError(`unknown algorithm '${target}'; available: ${Object.keys(algorithms).join(', ')} (or give a plan file, e.g. ./my-plan.ts)`);
    }
    for (const flag of ['env', 'config'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} configures a built-in algorithm; the plan file ${target} builds its own plan`);
    }
    return loadPlanFile(target);
  }
  const env = (values['env'] as string | undefined) ?? 'CartPole-v1';
  const tuned = tunedExample(target, env);
  const config = algorithm.config({ ...(tuned?.config ?? {}), ...readConfigFile(values['config'] as string | undefined), env });
  return compile(algorithm.plan(config as never), { name: `${target}-${env}` });
}

export async function inspect(argv: string[], out: (text: string) => void = console.log, warn: (line: string) => void = console.error): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...optimizerOptions,
    format: { type: 'string' },
    out: { type: 'string' },
    env: { type: 'string' },
    config: { type: 'string' },
  });
  const target = positionals[0];
  if (!target) throw new UsageError('name an algorithm or a plan file: rlflow inspect <algo | plan-file>');
  if (positionals.length > 1) throw new UsageError(`inspect takes one plan, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = choiceOption(values['format'], 'format', INSPECT_FORMATS, 'text');
  const plan = await compileTarget(target, values);
  // An empty pipeline under --no-optimize keeps one code path: the report just lists no passes.
  const result = (await optimizeFromFlags(plan, values, true)) ?? (await optimize(plan, { passes: [], explain: true }));
  const input: InspectInput = { original: plan.graph, optimized: result.graph, report: result.report };
  let text = renderInspect(format, input);
  if (format === 'text' && values['explain'] === true) text += `\n${formatReport(result.report)}\n`;
  // Warnings go to stderr so that stdout stays a clean document (pipe DOT into `dot -Tsvg`).
  for (const w of result.report.warnings) warn(`warning: ${w.message}`);
  const file = values['out'] as string | undefined;
  if (file === undefined) {
    out(text.replace(/\n$/, ''));
    return 0;
  }
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  out(abs);
  return 0;
}
