#!/usr/bin/env node
// Architecture check (part of `npm run lint`): the folders under src/ are layers, dependencies point one
// way (see DESIGN.md), and there are no import cycles between files.
//
// Usage: node scripts/check-layers.mjs [rootDir]     (rootDir defaults to `src`)
//
// Every .ts file under rootDir is parsed with the TypeScript parser only (ts.createSourceFile: no
// program, no type-checking, so it is fast). Relative imports are collected from
//   import ... from '...'   export ... from '...'   import x = require('...')
//   import('...')           require('...')          type T = import('...').T
// (type-only imports count too: a layer must not even name another layer's types) and resolved
// NodeNext style: './x.js' -> './x.ts' (or .tsx / .d.ts), './x.mjs' -> './x.mts', './dir/index.js' ->
// './dir/index.ts'; extensionless './x' and './dir' are accepted as well. Bare specifiers (packages,
// node:*) are ignored, except a self-import of the package name `rlflow`, which counts as "outside".
//
// Exit 1 with one `file:line: message` per violation on: an import cycle, a layer violation, a relative
// import that resolves to no file, or a file outside every known layer. Otherwise prints
// `layers ok: N files, M imports`.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import ts from 'typescript';

/**
 * Allowed dependencies per layer (the first path segment under rootDir). `*` = may import anything,
 * including files outside rootDir. A root-level file is its own layer named by its file name.
 */
const LAYERS = {
  // Seeded randomness: a leaf every layer may use.
  rng: ['rng'],
  ir: ['ir'],
  dsl: ['dsl', 'ir'],
  optimizer: ['optimizer', 'ir'],
  runtime: ['runtime', 'ir', 'rng'],
  inspect: ['inspect', 'ir'],
  // The RL layer registers its kinds and actors through the IR contract; it never reaches into the runtime.
  rl: ['rl', 'dsl', 'ir', 'rng'],
  algorithms: ['algorithms', 'rl', 'dsl', 'ir', 'runtime', 'optimizer', 'rng'],
  // Public property-testing tools (rlflow/testing): generate plans, run them, check passes.
  testing: ['testing', 'ir', 'dsl', 'runtime', 'optimizer', 'rng'],
  check: ['check', 'ir'],
  cli: ['*'],
  'index.ts': ['*'],
};

const OUTSIDE = '(outside src)';
const PACKAGE_NAME = 'rlflow';
const SOURCE_EXT = /\.(ts|tsx|mts|cts)$/;

const rootArg = process.argv[2] ?? 'src';
const ROOT = resolve(rootArg);

/** Path for messages: relative to the working directory when inside it, POSIX separators. */
function show(file) {
  const rel = relative(process.cwd(), file);
  const p = rel === '..' || rel.startsWith(`..${sep}`) ? file : rel;
  return p.split(sep).join('/');
}

function listSourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSourceFiles(full));
    else if (entry.isFile() && SOURCE_EXT.test(entry.name)) out.push(full);
  }
  return out;
}

function layerOf(file) {
  const rel = relative(ROOT, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`)) return OUTSIDE;
  const [first] = rel.split(sep);
  return first;
}

function isFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** NodeNext-style resolution of a relative specifier to a file on disk, or undefined. */
function resolveImport(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [];
  const m = /^(.*)\.(js|jsx|mjs|cjs)$/.exec(base);
  if (m) {
    const stem = m[1];
    const jsExt = m[2];
    if (jsExt === 'js') candidates.push(`${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`);
    else if (jsExt === 'jsx') candidates.push(`${stem}.tsx`);
    else if (jsExt === 'mjs') candidates.push(`${stem}.mts`, `${stem}.d.mts`);
    else candidates.push(`${stem}.cts`, `${stem}.d.cts`);
  }
  candidates.push(base); // exact file: .ts written out, .json, a real .js file
  candidates.push(`${base}.ts`, `${base}.tsx`, `${base}.d.ts`); // extensionless (not NodeNext, but clear intent)
  candidates.push(join(base, 'index.ts'), join(base, 'index.tsx'), join(base, 'index.d.ts'));
  return candidates.find(isFile);
}

/** Every module specifier in a file, with its 1-based line. */
function collectSpecifiers(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (lit) => {
    if (lit && (ts.isStringLiteral(lit) || ts.isNoSubstitutionTemplateLiteral(lit))) {
      const { line } = sf.getLineAndCharacterOfPosition(lit.getStart(sf));
      found.push({ specifier: lit.text, line: line + 1 });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Tarjan's strongly connected components; returns the components that contain a cycle. */
function cyclicComponents(nodes, edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const result = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const { to: w } of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      const selfLoop = comp.length === 1 && (edges.get(v) ?? []).some((e) => e.to === v);
      if (comp.length > 1 || selfLoop) result.push(comp);
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return result;
}

/** One concrete cycle inside a strongly connected component, as a list of edges. */
function cycleIn(component, edges) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  // BFS from start's successors back to start, keeping the shortest path.
  const prev = new Map();
  const queue = [];
  for (const e of edges.get(start) ?? []) {
    if (members.has(e.to) && !prev.has(e.to)) {
      prev.set(e.to, e);
      queue.push(e.to);
    }
  }
  while (queue.length > 0 && !prev.has(start)) {
    const v = queue.shift();
    for (const e of edges.get(v) ?? []) {
      if (members.has(e.to) && !prev.has(e.to)) {
        prev.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  const path = [];
  let v = start;
  do {
    const e = prev.get(v);
    path.unshift(e);
    v = e.from;
  } while (v !== start);
  return path;
}

function main() {
  if (!existsSync(ROOT) || !statSync(ROOT).isDirectory()) {
    console.error(`check-layers: no such directory: ${rootArg}`);
    return 1;
  }
  const files = listSourceFiles(ROOT).sort();
  const violations = [];
  const report = (file, line, message) => violations.push({ file, line, message });

  const edges = new Map(); // file -> [{ from, to, line }] (only edges between source files under ROOT)
  let importCount = 0;

  for (const file of files) {
    const layer = layerOf(file);
    const allowed = LAYERS[layer];
    if (!allowed) {
      report(file, 1, `'${layer}' is not a known layer; add it to LAYERS in scripts/check-layers.mjs`);
    }
    const out = [];
    edges.set(file, out);
    for (const { specifier, line } of collectSpecifiers(file)) {
      let targetLayer;
      let target;
      if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
        target = resolveImport(file, specifier);
        if (!target) {
          report(file, line, `cannot resolve '${specifier}'`);
          continue;
        }
        importCount++;
        targetLayer = layerOf(target);
        if (targetLayer !== OUTSIDE && SOURCE_EXT.test(target)) out.push({ from: file, to: target, line });
      } else if (specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`)) {
        importCount++;
        targetLayer = OUTSIDE;
      } else {
        continue; // a package or node: builtin
      }
      if (allowed && !allowed.includes('*') && !allowed.includes(targetLayer)) {
        const what = target ? `${show(target)}` : `'${specifier}'`;
        report(
          file,
          line,
          `layer violation: ${layer} may not import ${targetLayer} (${what}); ${layer} may import: ${allowed.join(', ')}`,
        );
      }
    }
  }

  for (const component of cyclicComponents(files, edges)) {
    const cycle = cycleIn(component, edges);
    const chain = [...cycle.map((e) => show(e.from)), show(cycle[0].from)].join(' -> ');
    const first = cycle[0];
    const via = cycle.map((e) => `${show(e.from)}:${e.line}`).join(', ');
    report(first.from, first.line, `import cycle: ${chain} (imports at ${via})`);
  }

  if (violations.length > 0) {
    violations.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    for (const v of violations) console.error(`${show(v.file)}:${v.line}: ${v.message}`);
    console.error(`check-layers: ${violations.length} violation(s) in ${show(ROOT)}`);
    return 1;
  }
  console.log(`layers ok: ${files.length} files, ${importCount} imports`);
  return 0;
}

process.exitCode = main();
