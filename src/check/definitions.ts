/**
 * Finding the definitions of actor-side code in a source file: calls of `actorStage`,
 * `actorStageFactory` and `actorClass` imported from rlflow (under any alias, or through a namespace
 * import), the constant that holds each one, and the module-level exports of a file (followed through
 * re-exports) so that a plan's imported definitions can be checked where they are defined.
 */
import { Node, SyntaxKind, type CallExpression, type Project, type SourceFile, type VariableDeclaration } from 'ts-morph';
import { resolveRelativeModule, sourceFileAt } from './project.js';

export const DEFINITION_FUNCTIONS = ['actorStage', 'actorStageFactory', 'actorClass'] as const;
export type DefinitionFunction = (typeof DEFINITION_FUNCTIONS)[number];

/** One `actorStage(...)` / `actorStageFactory(...)` / `actorClass(...)` call. */
export interface Definition {
  readonly fn: DefinitionFunction;
  readonly call: CallExpression;
  /** The constant holding it (`export const double = actorStage(...)`), `default`, or undefined. */
  readonly name: string | undefined;
}

function isDefinitionFunction(name: string): name is DefinitionFunction {
  return (DEFINITION_FUNCTIONS as readonly string[]).includes(name);
}

/**
 * rlflow itself (`'rlflow'`, `'rlflow/…'`) or a module of the user's project (relative): the latter
 * because inside the rlflow repository the DSL is imported by path, and a project may re-export it.
 * Other packages' functions that happen to share a name are not rlflow's.
 */
function mayBeRlflow(specifier: string): boolean {
  return specifier === 'rlflow' || specifier.startsWith('rlflow/') || specifier.startsWith('./') || specifier.startsWith('../');
}

/** Strips wrappers that do not change a value: parentheses, `as`, `satisfies`, `!`, `<T>x`. */
export function unwrap(node: Node): Node {
  let n = node;
  while (Node.isParenthesizedExpression(n) || Node.isAsExpression(n) || Node.isSatisfiesExpression(n) || Node.isNonNullExpression(n) || Node.isTypeAssertion(n)) {
    n = n.getExpression();
  }
  return n;
}

/** Which definition function a callee names, following import aliases and `const s = actorStage`. */
function definitionFunctionOf(callee: Node, depth = 0): DefinitionFunction | undefined {
  const expr = unwrap(callee);
  if (Node.isIdentifier(expr)) {
    const decl = expr.getSymbol()?.getDeclarations()[0];
    if (!decl) return undefined;
    if (Node.isImportSpecifier(decl)) {
      const imported = decl.getName(); // the exported name, whatever the local alias
      return isDefinitionFunction(imported) && mayBeRlflow(decl.getImportDeclaration().getModuleSpecifierValue()) ? imported : undefined;
    }
    if (Node.isVariableDeclaration(decl) && depth < 4) {
      const init = decl.getInitializer();
      return init ? definitionFunctionOf(init, depth + 1) : undefined;
    }
    return undefined;
  }
  if (Node.isPropertyAccessExpression(expr)) {
    const name = expr.getName();
    const target = unwrap(expr.getExpression());
    if (!isDefinitionFunction(name) || !Node.isIdentifier(target)) return undefined;
    const decl = target.getSymbol()?.getDeclarations()[0];
    if (decl && Node.isNamespaceImport(decl)) {
      const specifier = decl.getFirstAncestorByKindOrThrow(SyntaxKind.ImportDeclaration).getModuleSpecifierValue();
      return mayBeRlflow(specifier) ? name : undefined;
    }
  }
  return undefined;
}

/** The node whose value *is* the definition: the call, seen through wrappers from its parent. */
function outermostWrapper(call: CallExpression): Node {
  let n: Node = call;
  for (let p = n.getParent(); p && unwrap(p) === call; p = p.getParent()) n = p;
  return n;
}

/** The variable declaration or `export default` whose value is exactly this call, if any. */
export function holderOf(call: CallExpression): VariableDeclaration | Node | undefined {
  const value = outermostWrapper(call);
  const parent = value.getParent();
  if (Node.isVariableDeclaration(parent) && parent.getInitializer() === value) return parent;
  if (Node.isExportAssignment(parent)) return parent;
  return undefined;
}

function nameOf(call: CallExpression): string | undefined {
  const holder = holderOf(call);
  if (Node.isVariableDeclaration(holder)) {
    const name = holder.getNameNode();
    return Node.isIdentifier(name) ? name.getText() : undefined;
  }
  return holder ? 'default' : undefined;
}

export function definitionOf(call: CallExpression): Definition | undefined {
  const fn = definitionFunctionOf(call.getExpression());
  return fn ? { fn, call, name: nameOf(call) } : undefined;
}

/** Every definition call in a file, in source order. */
export function findDefinitions(file: SourceFile): Definition[] {
  const found: Definition[] = [];
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const def = definitionOf(call);
    if (def) found.push(def);
  }
  return found;
}

/**
 * The names under which a file exports its module-level declarations: `export const x`, `export { x
 * as y }` (no `from`), `export default x`. Keys are the declarations (VariableDeclaration nodes).
 */
export function localExports(file: SourceFile): Map<Node, string[]> {
  const byName = new Map<string, VariableDeclaration>();
  const exported = new Map<Node, string[]>();
  const add = (node: Node, name: string) => exported.set(node, [...(exported.get(node) ?? []), name]);
  for (const statement of file.getVariableStatements()) {
    for (const decl of statement.getDeclarations()) {
      byName.set(decl.getName(), decl);
      if (statement.isExported()) add(decl, decl.getName());
    }
  }
  for (const exportDecl of file.getExportDeclarations()) {
    if (exportDecl.getModuleSpecifier()) continue;
    for (const spec of exportDecl.getNamedExports()) {
      const decl = byName.get(spec.getName());
      if (decl) add(decl, spec.getAliasNode()?.getText() ?? spec.getName());
    }
  }
  for (const assignment of file.getExportAssignments()) {
    const value = unwrap(assignment.getExpression());
    const decl = Node.isIdentifier(value) ? byName.get(value.getText()) : undefined;
    if (decl && !assignment.isExportEquals()) add(decl, 'default');
  }
  return exported;
}

/**
 * The definition a module exports under `name`, following `export { a as name } from` and
 * `export * from` into other files of the project, or undefined when `name` is not a definition.
 */
export function exportedDefinition(project: Project, file: SourceFile, name: string, seen = new Set<string>()): Definition | undefined {
  const key = `${file.getFilePath()}#${name}`;
  if (seen.has(key)) return undefined; // export cycles
  seen.add(key);
  for (const [decl, names] of localExports(file)) {
    if (!names.includes(name) || !Node.isVariableDeclaration(decl)) continue;
    const init = decl.getInitializer();
    const value = init ? unwrap(init) : undefined;
    return Node.isCallExpression(value) ? definitionOf(value) : undefined;
  }
  if (name === 'default') {
    for (const assignment of file.getExportAssignments()) {
      const value = unwrap(assignment.getExpression());
      if (Node.isCallExpression(value)) return definitionOf(value);
    }
  }
  for (const exportDecl of file.getExportDeclarations()) {
    const specifier = exportDecl.getModuleSpecifierValue();
    if (specifier === undefined || exportDecl.isTypeOnly()) continue;
    const named = exportDecl.getNamedExports();
    let importedName: string | undefined;
    if (named.length === 0 && !exportDecl.getNamespaceExport()) importedName = name; // export * from
    else importedName = named.find((s) => (s.getAliasNode()?.getText() ?? s.getName()) === name)?.getName();
    if (importedName === undefined) continue;
    const target = resolveRelativeModule(file.getFilePath(), specifier);
    if (!target) continue;
    const def = exportedDefinition(project, sourceFileAt(project, target), importedName, seen);
    if (def) return def;
  }
  return undefined;
}

/**
 * The definitions a file imports from modules of the project (relative imports): named imports that
 * resolve to a definition, and every definition of a namespace-imported module.
 */
export function importedDefinitions(project: Project, file: SourceFile): Definition[] {
  const found: Definition[] = [];
  for (const importDecl of file.getImportDeclarations()) {
    if (importDecl.isTypeOnly()) continue;
    const target = resolveRelativeModule(file.getFilePath(), importDecl.getModuleSpecifierValue());
    if (!target) continue;
    const targetFile = sourceFileAt(project, target);
    if (importDecl.getNamespaceImport()) found.push(...findDefinitions(targetFile));
    if (importDecl.getDefaultImport()) {
      const def = exportedDefinition(project, targetFile, 'default');
      if (def) found.push(def);
    }
    for (const spec of importDecl.getNamedImports()) {
      if (spec.isTypeOnly()) continue;
      const def = exportedDefinition(project, targetFile, spec.getName());
      if (def) found.push(def);
    }
  }
  return found;
}
