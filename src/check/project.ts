/**
 * A ts-morph project for the static checks, tuned to be fast: only the files asked for are parsed,
 * with no import resolution and no default library. The rules need *lexical* scopes only (which
 * declaration an identifier refers to inside a file), which the binder answers without a program of
 * the whole import graph; building that graph for a plan that imports rlflow would parse ~200 files
 * and take seconds, on every `rlflow train`. Imports that the check follows are resolved here, by
 * path, the way Node resolves them for TypeScript sources (NodeNext: `./x.js` → `./x.ts`).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Project, ts, type CompilerOptions, type SourceFile } from 'ts-morph';

/** The nearest tsconfig.json at or above `dir`, if any. */
export function findTsconfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Options that keep the project to the files added (see the module comment). */
const FAST: CompilerOptions = { noResolve: true, noLib: true, types: [], allowJs: true, checkJs: false, skipLibCheck: true };

/** Used when no tsconfig.json is found: what rlflow plans are written against (ESM, NodeNext). */
const DEFAULTS: CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true };

export function createCheckProject(tsconfig: string | undefined): Project {
  if (tsconfig) {
    return new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, compilerOptions: FAST });
  }
  return new Project({ skipFileDependencyResolution: true, compilerOptions: { ...DEFAULTS, ...FAST } });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The source file a relative import specifier refers to, NodeNext style, or undefined. */
export function resolveRelativeModule(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates: string[] = [];
  const m = /^(.*)\.(js|jsx|mjs|cjs)$/.exec(base);
  if (m) {
    const stem = m[1]!;
    const ext = m[2]!;
    if (ext === 'js') candidates.push(`${stem}.ts`, `${stem}.tsx`);
    else if (ext === 'jsx') candidates.push(`${stem}.tsx`);
    else if (ext === 'mjs') candidates.push(`${stem}.mts`);
    else candidates.push(`${stem}.cts`);
  }
  candidates.push(base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'));
  // Declaration files hold no definitions that could be checked.
  return candidates.find((c) => isFile(c) && !/\.d\.[mc]?ts$/.test(c));
}

/** Adds (or returns the already added) source file at `file`. */
export function sourceFileAt(project: Project, file: string): SourceFile {
  return project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
}
