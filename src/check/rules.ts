/**
 * The rules of `rlflow check`, one function each. A worker process gets actor-side code by importing
 * the defining module (the URL given as first argument) and taking an export by name; it never runs
 * the driver's functions. So a definition must be (1) given `import.meta.url`, (2) the value of an
 * exported module-level constant, and (3) closed over nothing but module-level names, imports and
 * globals: a variable of an enclosing function exists only in the driver's call of that function.
 */
import { Node, SyntaxKind, ts, type CallExpression, type Identifier, type SourceFile } from 'ts-morph';
import { holderOf, unwrap, type Definition, type DefinitionFunction } from './definitions.js';
import type { CheckRule, SourcePlace } from './report.js';

/** A violation still holding its nodes; the caller turns them into places. */
export interface Finding {
  readonly rule: CheckRule;
  readonly at: Node;
  readonly identifier: string;
  readonly message: string;
  readonly hint: string;
  readonly declaredAt?: Node;
}

export type PlaceOf = (node: Node) => SourcePlace;

const NOUN: Record<DefinitionFunction, string> = { actorStage: 'stage', actorStageFactory: 'stage factory', actorClass: 'actor class' };

/** `stage 'double'`, or `actorStage(...) call` when nothing names it. */
function subject(def: Definition): string {
  return def.name && def.name !== 'default' ? `${NOUN[def.fn]} '${def.name}'` : `${def.fn}(...) call`;
}

function identifierOf(def: Definition): string {
  return def.name ?? def.fn;
}

/** `import.meta.url`, or a module-level constant holding it (`const here = import.meta.url`). */
function isImportMetaUrl(node: Node, depth = 0): boolean {
  const n = unwrap(node);
  if (Node.isIdentifier(n) && depth < 4) {
    const decl = n.getSymbol()?.getDeclarations()[0];
    if (!Node.isVariableDeclaration(decl) || !decl.getVariableStatement()?.getParent()?.isKind(SyntaxKind.SourceFile)) return false;
    const init = decl.getInitializer();
    return decl.getVariableStatement()?.getDeclarationKind() === 'const' && init !== undefined && isImportMetaUrl(init, depth + 1);
  }
  if (!Node.isPropertyAccessExpression(n) || n.getName() !== 'url') return false;
  const meta = n.getExpression();
  return Node.isMetaProperty(meta) && meta.getKeywordToken() === SyntaxKind.ImportKeyword && meta.getName() === 'meta';
}

export function notLoadable(def: Definition): Finding[] {
  const first = def.call.getArguments()[0];
  if (first && isImportMetaUrl(first)) return [];
  const literal = first ? unwrap(first) : undefined;
  const got = !first ? 'no argument' : Node.isStringLiteral(literal) || Node.isNoSubstitutionTemplateLiteral(literal) ? `'${abbreviate(literal.getLiteralValue())}'` : `\`${abbreviate(first.getText())}\``;
  return [
    {
      rule: 'not-loadable',
      at: first ?? def.call,
      identifier: identifierOf(def),
      message: `${subject(def)} gets ${got} as its module instead of import.meta.url; a worker process imports the module at this URL, which is not the module that defines it`,
      hint: `pass the defining module's own URL: ${def.fn}(import.meta.url, ...)`,
    },
  ];
}

type FunctionScope = Node;

/** The innermost function (or class static block) around `node`, excluding `node` itself. */
function enclosingFunction(node: Node): FunctionScope | undefined {
  return node.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a) || Node.isClassStaticBlockDeclaration(a));
}

function describeFunction(fn: FunctionScope, placeOf: PlaceOf): string {
  const line = placeOf(fn).line;
  if (Node.isConstructorDeclaration(fn)) return `the constructor of class '${fn.getParent().getName() ?? '(anonymous)'}' (line ${line})`;
  if (Node.isMethodDeclaration(fn) || Node.isGetAccessorDeclaration(fn) || Node.isSetAccessorDeclaration(fn)) return `method '${fn.getName()}' (line ${line})`;
  if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) {
    const name = fn.getName();
    if (name) return `function '${name}' (line ${line})`;
  }
  const parent = fn.getParent();
  if (parent && (Node.isVariableDeclaration(parent) || Node.isPropertyAssignment(parent))) return `function '${parent.getName()}' (line ${line})`;
  return `the function at line ${line}`;
}

export function notExported(def: Definition, exports: Map<Node, string[]>, placeOf: PlaceOf): Finding[] {
  const fn = enclosingFunction(def.call);
  const name = def.name && def.name !== 'default' ? def.name : 'myStage';
  const finding = (message: string, hint: string): Finding[] => [{ rule: 'not-exported', at: def.call, identifier: identifierOf(def), message, hint }];
  const moveHint =
    def.fn === 'actorClass'
      ? `define it at module level, \`export const ${name} = actorClass(import.meta.url, ...)\`, and pass what it needs from the function as constructor arguments: actors(${name}, { args: [...] })`
      : `define it at module level, \`export const ${name} = ${def.fn === 'actorStage' ? 'actorStageFactory' : def.fn}(import.meta.url, ...)\`, and pass what it needs from the function as factory arguments with .with(...)`;
  if (fn) {
    return finding(`${subject(def)} is defined inside ${describeFunction(fn, placeOf)}; a worker process imports the module and looks the definition up among its exports, which holds only module-level constants`, moveHint);
  }
  const holder = holderOf(def.call);
  if (!holder) {
    return finding(`${subject(def)} is not the value of an exported constant (it is part of a larger expression), so a worker process cannot look it up by export name`, `give it its own exported constant: export const ${name} = ${def.fn}(import.meta.url, ...)`);
  }
  if (Node.isExportAssignment(holder)) return [];
  const statement = holder.getFirstAncestorByKind(SyntaxKind.VariableStatement);
  const exportedAs = exports.get(holder) ?? [];
  if (!statement || statement.getParent() !== holder.getSourceFile() || exportedAs.length === 0) {
    return finding(`${subject(def)} is not exported from its module; a worker process loads it by module URL and export name`, `export it: export const ${name} = ${def.fn}(import.meta.url, ...)`);
  }
  const optionName = nameOption(def.call);
  if (optionName !== undefined && !exportedAs.includes(optionName)) {
    return finding(
      `${subject(def)} says { name: '${optionName}' }, but its module exports it as ${exportedAs.map((n) => `'${n}'`).join(', ')}; a worker process would look for export '${optionName}'`,
      `drop the name option (the export name is found automatically) or export it as '${optionName}'`,
    );
  }
  return [];
}

/** The `name` option of a definition, when it is a string literal. */
function nameOption(call: CallExpression): string | undefined {
  const options = call.getArguments()[2];
  if (!options || !Node.isObjectLiteralExpression(options)) return undefined;
  const prop = options.getProperty('name');
  const value = prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined;
  return value && Node.isStringLiteral(value) ? value.getLiteralValue() : undefined;
}

/** Declarations that hold runtime values a closure could capture (not types, properties or labels). */
function isValueDeclaration(decl: Node): boolean {
  return (
    Node.isVariableDeclaration(decl) ||
    Node.isParameterDeclaration(decl) ||
    Node.isBindingElement(decl) ||
    Node.isFunctionDeclaration(decl) ||
    Node.isClassDeclaration(decl) ||
    Node.isEnumDeclaration(decl) ||
    Node.isModuleDeclaration(decl)
  );
}

/** `x.name`, `{ name: v }`, `{ name: alias } = o`, member names: names of properties, not variables. */
function isPropertyName(id: Identifier): boolean {
  const parent = id.getParent();
  if (Node.isPropertyAccessExpression(parent)) return parent.getNameNode() === id;
  if (Node.isQualifiedName(parent)) return parent.getRight() === id;
  if (Node.isBindingElement(parent)) return parent.getPropertyNameNode() === id;
  if (Node.isPropertyAssignment(parent) || Node.isMethodDeclaration(parent) || Node.isPropertyDeclaration(parent) || Node.isGetAccessorDeclaration(parent) || Node.isSetAccessorDeclaration(parent) || Node.isPropertySignature(parent) || Node.isEnumMember(parent)) {
    return parent.getNameNode() === id;
  }
  return false;
}

/** Identifiers that name types (`x: K`, `typeof k` in a type, `implements I`) are erased at runtime. */
function inTypePosition(id: Identifier, root: Node): boolean {
  for (let n: Node | undefined = id.getParent(); n && n !== root; n = n.getParent()) {
    if (Node.isTypeNode(n) && !Node.isExpressionWithTypeArguments(n)) return true;
    if (Node.isHeritageClause(n)) return n.getToken() === SyntaxKind.ImplementsKeyword;
  }
  return false;
}

function declarationKind(decl: Node): string {
  if (Node.isParameterDeclaration(decl)) return 'a parameter';
  if (Node.isFunctionDeclaration(decl)) return 'a local function';
  if (Node.isClassDeclaration(decl)) return 'a local class';
  return 'a local variable';
}

function captureHint(def: Definition, variable: string, decl: Node): string {
  if (Node.isFunctionDeclaration(decl) || Node.isClassDeclaration(decl) || Node.isEnumDeclaration(decl) || Node.isModuleDeclaration(decl)) {
    // Code cannot be sent to a worker as an argument (arguments are structured-cloned data).
    return `move '${variable}' to module level: a worker process imports the module, so module-level functions and classes are there`;
  }
  const name = def.name && def.name !== 'default' ? def.name : 'myStage';
  switch (def.fn) {
    case 'actorStage':
      return `pass it as a factory argument: export const ${name} = actorStageFactory(import.meta.url, (${variable}) => <the stage function>) and use ${name}.with(${variable}) in the plan`;
    case 'actorStageFactory':
      return `add it to the factory's parameters, actorStageFactory(import.meta.url, (..., ${variable}) => ...), and pass it in the plan with ${name}.with(..., ${variable})`;
    case 'actorClass':
      return `pass it as a constructor argument: actors(${name}, { args: [..., ${variable}] }), taken by the constructor after the ActorContext`;
  }
}

/**
 * Variables of enclosing functions that the definition's code (the stage function, the factory, the
 * actor class) refers to. Each captured variable is reported once, at its first use.
 */
export function capturedVariables(def: Definition, placeOf: PlaceOf): Finding[] {
  const code = def.call.getArguments()[1];
  if (!code) return [];
  const identifiers = Node.isIdentifier(code) ? [code] : code.getDescendantsOfKind(SyntaxKind.Identifier);
  const reported = new Set<Node>();
  const findings: Finding[] = [];
  const [start, end] = [code.getStart(), code.getEnd()];
  for (const id of identifiers) {
    if (isPropertyName(id) || inTypePosition(id, code)) continue;
    const parent = id.getParent();
    const symbol =
      Node.isShorthandPropertyAssignment(parent) && parent.getNameNode() === id
        ? parent.getValueSymbol() // `{ k }` means `{ k: k }`: the variable, not the property
        : id.getSymbol();
    if (!symbol || (symbol.getFlags() & ts.SymbolFlags.Value) === 0) continue;
    const decl = symbol.getDeclarations().find(isValueDeclaration);
    if (!decl || decl.getSourceFile() !== def.call.getSourceFile()) continue;
    if (decl.getStart() >= start && decl.getEnd() <= end) continue; // declared inside the code itself
    const scope = enclosingFunction(decl);
    if (!scope || reported.has(decl)) continue; // module-level names are there when the worker imports the module
    reported.add(decl);
    const variable = id.getText();
    const declaredAt = Node.hasName(decl) ? decl.getNameNode() : decl;
    const where = placeOf(declaredAt);
    findings.push({
      rule: 'captured-variable',
      at: id,
      identifier: variable,
      declaredAt,
      message: `${subject(def)} uses '${variable}', ${declarationKind(decl)} of ${describeFunction(scope, placeOf)} declared at ${where.file}:${where.line}:${where.column}; a worker process imports the module but never runs that function, so '${variable}' would not exist there`,
      hint: captureHint(def, variable, decl),
    });
  }
  return findings;
}

/** Whether `node` writes to the variable `decl` declares or to something inside it (`x = …`, `x.k = …`, `x[i]++`, `x.push(…)`). */
function writesTo(id: Identifier): boolean {
  let target: Node = id;
  // Walk up member accesses: `x.a.b` / `x[i]` are writes to x's contents when assigned.
  for (let p = target.getParent(); p && (Node.isPropertyAccessExpression(p) || Node.isElementAccessExpression(p)) && p.getExpression() === target; p = target.getParent()) target = p;
  const parent = target.getParent();
  if (Node.isBinaryExpression(parent) && parent.getLeft() === target) return parent.getOperatorToken().getKind() >= SyntaxKind.FirstAssignment && parent.getOperatorToken().getKind() <= SyntaxKind.LastAssignment;
  if ((Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent)) && [SyntaxKind.PlusPlusToken, SyntaxKind.MinusMinusToken].includes(parent.getOperatorToken())) return true;
  if (Node.isDeleteExpression(parent)) return true;
  // A mutating method of an array, map or set called on it: `x.push(…)`, `x.set(…)`.
  if (target !== id && Node.isPropertyAccessExpression(target) && Node.isCallExpression(target.getParent()) && /^(push|pop|shift|unshift|splice|sort|reverse|fill|set|delete|clear|add)$/.test(target.getName())) return true;
  return false;
}

/**
 * Module-level state the definition's code reads but that changes at run time: a module-level `let` or
 * `var`, or a module-level object written to anywhere in the module. On the `local` backend the driver
 * and the actors share the one module instance, so a change the driver makes is seen by the actors; on
 * the `farm` backend every worker process imports its own fresh copy and never sees it. The two
 * backends would then disagree; the check reports it instead.
 */
export function moduleState(def: Definition, placeOf: PlaceOf): Finding[] {
  const code = def.call.getArguments()[1];
  if (!code) return [];
  const sourceFile = def.call.getSourceFile();
  const identifiers = Node.isIdentifier(code) ? [code] : code.getDescendantsOfKind(SyntaxKind.Identifier);
  const [start, end] = [code.getStart(), code.getEnd()];
  const reported = new Set<Node>();
  const findings: Finding[] = [];
  for (const id of identifiers) {
    if (isPropertyName(id) || inTypePosition(id, code)) continue;
    const decl = id.getSymbol()?.getDeclarations().find(Node.isVariableDeclaration);
    if (!decl || decl.getSourceFile() !== sourceFile || reported.has(decl)) continue;
    const statement = decl.getVariableStatement();
    if (!statement || statement.getParent() !== sourceFile) continue; // only module-level variables
    const mutableBinding = statement.getDeclarationKind() !== 'const';
    const uses = decl.getNameNode().isKind(SyntaxKind.Identifier) ? (decl.getNameNode() as Identifier).findReferencesAsNodes().filter((n): n is Identifier => Node.isIdentifier(n) && n.getSourceFile() === sourceFile) : [];
    const writtenOutside = uses.some((u) => (u.getStart() < start || u.getEnd() > end) && u !== decl.getNameNode() && writesTo(u));
    if (!mutableBinding && !writtenOutside) continue;
    reported.add(decl);
    const variable = id.getText();
    const declaredAt = decl.getNameNode();
    const where = placeOf(declaredAt);
    findings.push({
      rule: 'module-state',
      at: id,
      identifier: variable,
      declaredAt,
      message: `${subject(def)} reads '${variable}', module-level state ${mutableBinding ? `(a module-level ${statement.getDeclarationKind()})` : 'changed elsewhere in the module'} declared at ${where.file}:${where.line}:${where.column}; each farm worker imports its own copy of the module and never sees the driver's changes, while the local backend shares them, so the two backends would give different results`,
      hint: `pass the value as data instead: ${def.fn === 'actorClass' ? `a constructor argument, actors(${def.name ?? 'MyActor'}, { args: [${variable}] })` : `a factory argument, actorStageFactory(import.meta.url, (${variable}) => …).with(${variable})`}, or make it a constant`,
    });
  }
  return findings;
}

/** All rules for one definition. */
export function checkDefinition(def: Definition, exportsOf: (file: SourceFile) => Map<Node, string[]>, placeOf: PlaceOf): Finding[] {
  return [...notLoadable(def), ...notExported(def, exportsOf(def.call.getSourceFile()), placeOf), ...capturedVariables(def, placeOf), ...moduleState(def, placeOf)];
}

function abbreviate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 40 ? `${oneLine.slice(0, 37)}...` : oneLine;
}
