/**
 * `checkFiles`: the static check of plan sources (docs/check.md). Parses the given files with
 * ts-morph, finds every definition of actor-side code in them and every definition they import from
 * the project's own modules, and applies the rules in rules.ts to each.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Node, SourceFile } from 'ts-morph';
import { findDefinitions, importedDefinitions, localExports, type Definition } from './definitions.js';
import { createCheckProject, findTsconfig, sourceFileAt } from './project.js';
import { PlanFileError, sortViolations, type CheckReport, type SourcePlace, type Violation } from './report.js';
import { checkDefinition } from './rules.js';

export interface CheckOptions {
  /** Paths in violations are relative to this directory when inside it (default: the working directory). */
  readonly cwd?: string;
  /** The tsconfig.json whose compiler options are used (default: the nearest one above the first file). */
  readonly tsconfig?: string;
  /** Also check the definitions that the files import from relative modules (default true). */
  readonly followImports?: boolean;
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  const shown = rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  return shown.split(path.sep).join('/');
}

export function checkFiles(files: readonly string[], options: CheckOptions = {}): CheckReport {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const absolute = files.map((f) => path.resolve(cwd, f));
  for (const file of absolute) {
    if (!existsSync(file)) throw new PlanFileError(`no such plan file: ${displayPath(file, cwd)}`, { hint: 'give the path of a .ts or .js module that defines or uses actor-side stages' });
  }
  const first = absolute[0];
  const project = createCheckProject(options.tsconfig ?? (first ? findTsconfig(path.dirname(first)) : undefined));
  const sources = absolute.map((f) => sourceFileAt(project, f));

  const definitions = new Map<Node, Definition>();
  for (const source of sources) for (const def of findDefinitions(source)) definitions.set(def.call, def);
  if (options.followImports ?? true) {
    for (const source of sources) for (const def of importedDefinitions(project, source)) definitions.set(def.call, def);
  }

  const exportsCache = new Map<SourceFile, Map<Node, string[]>>();
  const exportsOf = (file: SourceFile) => {
    let exports = exportsCache.get(file);
    if (!exports) exportsCache.set(file, (exports = localExports(file)));
    return exports;
  };
  const placeOf = (node: Node): SourcePlace => {
    const file = node.getSourceFile();
    const { line, column } = file.getLineAndColumnAtPos(node.getStart());
    return { file: displayPath(file.getFilePath(), cwd), line, column };
  };

  const violations: Violation[] = [];
  for (const def of definitions.values()) {
    for (const finding of checkDefinition(def, exportsOf, placeOf)) {
      violations.push({
        ...placeOf(finding.at),
        rule: finding.rule,
        identifier: finding.identifier,
        message: finding.message,
        hint: finding.hint,
        ...(finding.declaredAt ? { declaredAt: placeOf(finding.declaredAt) } : {}),
      });
    }
  }
  return { violations: sortViolations(violations), files: files.length, definitions: definitions.size };
}
