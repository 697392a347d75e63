/**
 * Plan files: a user's module that exports a plan, for `rlflow inspect <file>`, `rlflow train <file>`
 * and `rlflow check`. The contract (docs/inspect.md): the module exports `plan` (or a default export)
 * that is a Stream, a compiled plan, or a function (possibly async) returning either. A `.ts` file is
 * loaded through tsx (installed with rlflow's dev tools, or by the user), as are its workers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, type CompiledPlan } from '../dsl/compile.js';
import { Stream } from '../dsl/stream.js';
import { PlanError, RlflowError } from '../ir/errors.js';
import type { SourceLocation } from '../ir/types.js';
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
    if (e instanceof RlflowError) throw new PlanError(`cannot import ${what} ${file}: ${e.message}`, { cause: e, ...(e.source ? { source: e.source } : {}), ...(e.hint ? { hint: e.hint } : {}) });
    const err = e instanceof Error ? e : new Error(String(e));
    const source = err.name === 'SyntaxError' || err.message.startsWith('Transform failed') ? await syntaxErrorAt(abs) : errorSiteIn(err, abs);
    throw new PlanError(`cannot import ${what} ${file}: ${importFailure(err)}`, { cause: e, ...(source ? { source } : {}), ...importHint(err) });
  }
}

/** The cause of a failed import in one line; tsx's transform errors keep their `file:line:col: ERROR: …` line. */
function importFailure(err: Error): string {
  const lines = err.message.split('\n').filter((l) => l.trim());
  if (lines[0]?.startsWith('Transform failed') && lines[1]) return lines.slice(1).join('; ');
  return `${err.name === 'Error' ? '' : `${err.name}: `}${lines[0] ?? err.name}`;
}

/** What to do about the usual import failures: mixing CommonJS and ES modules. */
function importHint(err: Error): { hint?: string } {
  if (/require is not defined in ES module scope|module is not defined in ES module scope|exports is not defined in ES module scope/.test(err.message)) {
    return { hint: 'this file is an ES module (.mjs, .ts, or "type": "module"): use import/export, not require/module.exports, or name it .cjs' };
  }
  if (/Top-level await is currently not supported with the "cjs" output format/.test(err.message)) {
    return { hint: 'this .ts file is loaded as CommonJS, where top-level await does not exist: name it .mts, or set "type": "module" in the nearest package.json' };
  }
  if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(err.message)) {
    return { hint: 'this file is loaded as CommonJS: name it .mjs (or .ts), or set "type": "module" in its package.json' };
  }
  return {};
}

/** The first frame of `err`'s stack inside `file`: where the user's code threw. */
function errorSiteIn(err: Error, file: string): SourceLocation | undefined {
  const url = pathToFileURL(file).href;
  for (const line of (err.stack ?? '').split('\n')) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (m && (m[1] === file || m[1] === url)) return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * Where a module's first syntax error is. NOTE: Node's SyntaxError from an ES module import carries no
 * location at all, so the file is parsed again with TypeScript's parser (ts-morph's, loaded only here).
 */
async function syntaxErrorAt(file: string): Promise<SourceLocation | undefined> {
  try {
    const { ts } = await import('ts-morph');
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.[mc]?tsx?$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
    const diag = (sf as unknown as { parseDiagnostics?: readonly { start?: number }[] }).parseDiagnostics?.[0];
    if (diag?.start === undefined) return undefined;
    const { line, character } = sf.getLineAndCharacterOfPosition(diag.start);
    return { file, line: line + 1, column: character + 1 };
  } catch {
    return undefined;
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
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (e) {
      // The user's plan function failed: show where in their file, not rlflow's stack.
      if (e instanceof RlflowError) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      const site = errorSiteIn(err, path.resolve(file));
      throw new PlanError(`plan file ${file}: plan() threw ${err.name}: ${err.message}`, { cause: e, ...(site ? { source: site } : {}), hint: 'the function exported as plan must build and return the plan' });
    }
  }
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
