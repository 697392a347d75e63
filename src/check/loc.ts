/**
 * The plan-size report (`rlflow loc`, docs/loc.md): how many lines each algorithm's plan function
 * takes in rlflow, next to RLlib 1.8.0's execution plan for the same algorithm.
 *
 * What is counted: the plan function is the one an `Algorithm` object (src/algorithms/common.ts)
 * names as its `plan` — `export const ppo: Algorithm<PpoConfig> = { …, plan: ppoPlan }`. Its lines run
 * from the first line of the declaration (`export function ppoPlan(…)`, signature included, the doc
 * comment above it not) to its closing brace. A line counts when it holds at least one token other
 * than a closing bracket (`}` `)` `]`), `;` or `,`: blank lines, comment-only lines and lines like
 * `});` do not count. That is how spec/rllib-reference.md §3.2 counts RLlib's Python plans
 * (non-blank, non-comment lines, signature included, docstring excluded) — Python has no
 * closing-bracket lines, so leaving ours out keeps the comparison fair. Tokens come from the
 * TypeScript parser, so comment markers inside strings and code after a comment are handled exactly.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Node, SyntaxKind, ts, type ObjectLiteralExpression, type Project, type SourceFile } from 'ts-morph';
import { PlanError } from '../ir/errors.js';
import { createCheckProject, findTsconfig, resolveRelativeModule, sourceFileAt } from './project.js';
import { rllibPlanSize, type RllibPlanSize } from './rllib-plan-sizes.js';

export interface PlanSize {
  /** The algorithm's `name`. */
  readonly algorithm: string;
  /** The plan function's name (`ppoPlan`), or `plan` when it is written inline. */
  readonly planFunction: string;
  /** The file holding the plan function, relative to the package (nearest package.json) around the measured directory. */
  readonly file: string;
  /** 1-based first and last line of the plan function. */
  readonly startLine: number;
  readonly endLine: number;
  /** Counted lines (see the module comment). */
  readonly lines: number;
  /** RLlib 1.8.0's plan for the same algorithm, when it has one. */
  readonly rllib: RllibPlanSize | undefined;
  /** `rllib.lines / lines`: how many times longer RLlib's plan is. */
  readonly ratio: number | undefined;
}

const CLOSERS = new Set([SyntaxKind.CloseBraceToken, SyntaxKind.CloseParenToken, SyntaxKind.CloseBracketToken, SyntaxKind.SemicolonToken, SyntaxKind.CommaToken]);

/** Counted lines of a node (see the module comment), found from its tokens. */
export function countCodeLines(node: Node): number {
  const sf = node.getSourceFile().compilerNode;
  const lines = new Set<number>();
  const visit = (n: ts.Node): void => {
    if (ts.isJSDoc(n)) return; // doc comments of inner declarations are comments too
    const children = n.getChildren(sf);
    if (children.length > 0) {
      children.forEach(visit);
      return;
    }
    if (CLOSERS.has(n.kind) || n.kind === SyntaxKind.EndOfFileToken) return;
    const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
    const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line; // a multi-line string counts on every line
    for (let line = first; line <= last; line++) lines.add(line);
  };
  visit(node.compilerNode);
  return lines.size;
}

/** Declarations typed as the `Algorithm` interface: `const x: Algorithm<C> = {…}` or `{…} satisfies Algorithm<C>`. */
function algorithmObjects(file: SourceFile): { readonly name: string; readonly object: ObjectLiteralExpression }[] {
  const found: { name: string; object: ObjectLiteralExpression }[] = [];
  for (const decl of file.getVariableDeclarations()) {
    let init = decl.getInitializer();
    let typed = /^Algorithm\s*</.test(decl.getTypeNode()?.getText() ?? '');
    if (init && Node.isSatisfiesExpression(init)) {
      typed ||= /^Algorithm\s*</.test(init.getTypeNode()?.getText() ?? '');
      init = init.getExpression();
    }
    if (typed && init && Node.isObjectLiteralExpression(init)) found.push({ name: decl.getName(), object: init });
  }
  return found;
}

function stringProperty(object: ObjectLiteralExpression, key: string): string | undefined {
  const prop = object.getProperty(key);
  const value = prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined;
  return value && (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) ? value.getLiteralValue() : undefined;
}

/** The function node a `plan` property refers to: inline, a function of the file, or an imported one. */
function planFunction(project: Project, object: ObjectLiteralExpression): { readonly name: string; readonly node: Node } | undefined {
  const prop = object.getProperty('plan');
  if (!prop) return undefined;
  if (Node.isMethodDeclaration(prop)) return { name: 'plan', node: prop };
  const value = Node.isPropertyAssignment(prop) ? prop.getInitializer() : Node.isShorthandPropertyAssignment(prop) ? prop.getNameNode() : undefined;
  if (!value) return undefined;
  if (Node.isArrowFunction(value) || Node.isFunctionExpression(value)) return { name: 'plan', node: value };
  if (!Node.isIdentifier(value)) return undefined;
  const symbol = Node.isShorthandPropertyAssignment(prop) ? prop.getValueSymbol() : value.getSymbol();
  const decl = symbol?.getDeclarations()[0];
  if (Node.isImportSpecifier(decl)) {
    const target = resolveRelativeModule(object.getSourceFile().getFilePath(), decl.getImportDeclaration().getModuleSpecifierValue());
    return target ? functionNamed(sourceFileAt(project, target), decl.getName()) : undefined;
  }
  return decl ? functionNamed(decl.getSourceFile(), value.getText()) : undefined;
}

/** A module-level function of a file: a declaration, or a constant holding an arrow or function expression. */
function functionNamed(file: SourceFile, name: string): { readonly name: string; readonly node: Node } | undefined {
  const fn = file.getFunction(name);
  if (fn) return { name, node: fn };
  const variable = file.getVariableDeclaration(name);
  const init = variable?.getInitializer();
  if (variable && init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) return { name, node: variable.getVariableStatement() ?? variable };
  return undefined;
}

/** Source files of an algorithms directory (no declaration or test files), sorted. */
function algorithmFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name) && !/\.d\.[mc]?ts$/.test(e.name) && !/\.test\.ts$/.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** The directory of the nearest package.json at or above `dir` (else `dir`): paths in the report are relative to it. */
function packageDir(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/** Measures the plan function of every algorithm defined in `dir` (src/algorithms), sorted by name. */
export function measurePlans(dir: string): PlanSize[] {
  const root = path.resolve(dir);
  const base = packageDir(root);
  const project = createCheckProject(findTsconfig(root));
  const sizes: PlanSize[] = [];
  for (const file of algorithmFiles(root)) {
    const source = sourceFileAt(project, file);
    for (const { name, object } of algorithmObjects(source)) {
      const algorithm = stringProperty(object, 'name') ?? name;
      const plan = planFunction(project, object);
      if (!plan) {
        const { line, column } = source.getLineAndColumnAtPos(object.getStart());
        throw new PlanError(`algorithm '${algorithm}' has no plan function that rlflow loc can find`, {
          source: { file: path.relative(process.cwd(), file), line, column },
          hint: 'give the Algorithm object a `plan` property naming a function of the module (plan: myPlan) or written inline',
        });
      }
      const planFile = plan.node.getSourceFile();
      const lines = countCodeLines(plan.node);
      const rllib = rllibPlanSize(algorithm);
      sizes.push({
        algorithm,
        planFunction: plan.name,
        file: path.relative(base, planFile.getFilePath()).split(path.sep).join('/'),
        startLine: planFile.getLineAndColumnAtPos(plan.node.getStart()).line,
        endLine: planFile.getLineAndColumnAtPos(plan.node.getEnd()).line,
        lines,
        rllib,
        ratio: rllib && lines > 0 ? rllib.lines / lines : undefined,
      });
    }
  }
  return sizes.sort((a, b) => (a.algorithm < b.algorithm ? -1 : a.algorithm > b.algorithm ? 1 : 0));
}
