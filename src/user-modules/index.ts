/**
 * Importing a user's module by URL or path in any rlflow process (the driver, a farm worker, a node):
 * actor classes, stages, env modules, plan files, pass plugins. A TypeScript module (`.ts`, `.mts`,
 * `.cts`, `.tsx`) needs a loader: when the process does not already run under tsx, tsx's ESM hooks are
 * registered on first need (`tsx/esm/api`), so a worker started from rlflow's built JavaScript can still
 * import your `.ts` env module. tsx is an optional peer dependency: without it, the error says to
 * install it or compile the module to JavaScript.
 */
import { StageLoadError } from '../ir/errors.js';

const TS_MODULE = /\.(?:[mc]?ts|tsx)(?:[?#].*)?$/;

let registered: Promise<void> | undefined;

/** Whether this process already loads TypeScript (started with tsx's loader, or registered it). */
function runsUnderTsx(): boolean {
  return process.execArgv.some((a) => a.includes('tsx')) || (process.env.NODE_OPTIONS ?? '').includes('tsx');
}

/** Whether a module specifier (URL or path) names a TypeScript file. */
export function isTypeScriptModule(specifier: string): boolean {
  return TS_MODULE.test(specifier);
}

/**
 * Makes `import()` of TypeScript work in this process: registers tsx's ESM hooks once, unless the
 * process already runs under tsx. Throws a `StageLoadError` naming `what` when tsx is not installed.
 */
export function enableTypeScript(what: string): Promise<void> {
  if (runsUnderTsx()) return Promise.resolve();
  registered ??= (async () => {
    try {
      const api = (await import('tsx/esm/api')) as { register: () => unknown };
      api.register();
    } catch (e) {
      registered = undefined;
      throw new StageLoadError(`cannot load the TypeScript module ${what}: tsx is not available (${(e as Error).message.split('\n')[0]})`, {
        hint: 'npm install --save-dev tsx (rlflow uses it when present), or compile the module to JavaScript',
      });
    }
  })();
  return registered;
}

/**
 * `import(specifier)`, TypeScript included: registers tsx first when the module is a `.ts` file.
 *
 * @example
 *   const mod = await importModule(new URL('./my-env.ts', import.meta.url).href);
 */
export async function importModule(specifier: string): Promise<Record<string, unknown>> {
  if (isTypeScriptModule(specifier)) await enableTypeScript(specifier);
  return (await import(specifier)) as Record<string, unknown>;
}
