/**
 * Plan files: a user's module that exports a plan, for `rlflow inspect <file>`, `rlflow train <file>`
 * and `rlflow check`. The contract (docs/inspect.md): the module exports `plan` (or a default export)
 * that is a Stream, a compiled plan, or a function (possibly async) returning either. A `.ts` file is
 * loaded through tsx (installed with rlflow's dev tools, or by the user), as are its workers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, type CompiledPlan } from '../dsl/compile.js';
import { Stream } from '../dsl/stream.js';
import { PlanError } from '../ir/errors.js';
import { isPlanJsonFile, loadPlanJson } from './plan-json.js';

/** Whether `arg` names a plan file rather than a built-in algorithm. */
export function looksLikePlanFile(arg: string): boolean {
  return /\.[mc]?[jt]s$/.test(arg) || isPlanJsonFile(arg) || arg.includes('/') || arg.includes(path.sep);
}

function isCompiled(x: unknown): x is CompiledPlan {
  return typeof x === 'object' && x !== null && 'graph' in x && typeof (x as { graph?: { addNode?: unknown } }).graph?.addNode === 'function';
}

/** Makes `import()` of TypeScript work in this process (tsx's ESM hooks), or says how to get it. */
let tsxRegistered = false;

async function enableTypeScript(file: string, what: string): Promise<void> {
  // Already running under tsx (tests, `node --import tsx`): TypeScript imports just work.
  if (tsxRegistered || process.execArgv.some((a) => a.includes('tsx')) || process.env.NODE_OPTIONS?.includes('tsx')) return;
  try {
    const api = (await import('tsx/esm/api')) as { register: () => unknown };
    api.register();
    tsxRegistered = true;
  } catch (e) {
    throw new PlanError(`cannot load the TypeScript ${what} ${file}: tsx is not available (${(e as Error).message.split('\n')[0]})`, {
      hint: `npm install --save-dev tsx, or compile the ${what} to JavaScript`,
    });
  }
}

/**
 * Imports a user's module (a plan file, a pass plugin) by path, TypeScript included; errors name the
 * file and `what` it was meant to be.
 */
export async function importUserModule(file: string, what: string, hint: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new PlanError(`${what} ${file} does not exist`, { hint });
  if (/\.[mc]?ts$/.test(abs)) await enableTypeScript(file, what);
  try {
    return (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new PlanError(`cannot import ${what} ${file}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

/** Imports a plan file and compiles the plan it exports (or reads a plan saved as JSON). */
export async function loadPlanFile(file: string, options: { readonly name?: string } = {}): Promise<CompiledPlan> {
  if (isPlanJsonFile(file)) return loadPlanJson(file);
  const mod = await importUserModule(file, 'plan file', 'give a path to a module that exports `plan`');
  let value: unknown = mod['plan'] ?? mod['default'];
  if (value === undefined) {
    throw new PlanError(`plan file ${file} exports no plan`, { hint: 'export const plan = fromActors(…)…; (a Stream, a compiled plan, or a function returning one)' });
  }
  if (typeof value === 'function') value = await (value as () => unknown)();
  if (isCompiled(value)) return value;
  if (value instanceof Stream) return compile(value as Stream<unknown>, { name: options.name ?? path.basename(file).replace(/\.[^.]+$/, '') });
  if (typeof value === 'object' && value !== null && value.constructor?.name === 'Stream') {
    // A Stream class, but not this process's: two copies of rlflow are loaded (e.g. the plan imports
    // rlflow's src/ while this command runs the built dist/), and a plan cannot mix them.
    throw new PlanError(`plan file ${file} builds its plan with another copy of rlflow than this command runs`, {
      hint: "import the DSL from 'rlflow' in plan files (inside the rlflow repository, plan files importing src/ run with: node --import tsx src/cli/main.ts …)",
    });
  }
  throw new PlanError(`plan file ${file}: 'plan' is ${value === null ? 'null' : typeof value}, not a Stream or compiled plan`, {
    hint: 'export a Stream (the plan output), compile(stream), or a function returning one',
  });
}
