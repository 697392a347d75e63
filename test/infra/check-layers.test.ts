// Tests for scripts/check-layers.mjs: it is run as a child process on small fake source trees built in
// a temporary directory, and must pass a clean tree and name each cycle and layer violation as file:line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'check-layers.mjs');
const tmpRoots: string[] = [];

/** Writes `files` (path relative to the fake src/ -> contents) and returns the src dir. */
function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rlflow-layers-'));
  tmpRoots.push(root);
  const src = join(root, 'src');
  for (const [rel, text] of Object.entries(files)) {
    const full = join(src, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return src;
}

/** Runs the script with cwd at the tree's parent, so it reports paths like `src/ir/a.ts:3`. */
function check(src: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, 'src'], { cwd: dirname(src), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLEAN: Record<string, string> = {
  'ir/types.ts': 'export interface Node { id: string }\n',
  'ir/index.ts': "export * from './types.js';\nexport type { Node as IrNode } from './types.js';\n",
  'dsl/builder.ts': "import type { Node } from '../ir/index.js';\nexport const make = (): Node => ({ id: 'a' });\n",
  'optimizer/pass.ts': "import { type Node } from '../ir/types.js';\nexport const id = (n: Node): Node => n;\n",
  'runtime/run.ts':
    "import type { Node } from '../ir/index.js';\nexport async function run(n: Node) {\n  const m = await import('../ir/types.js');\n  return [n, m];\n}\n",
  'rng/index.ts': 'export const createRng = (seed: number) => () => seed;\n',
  'rl/ops.ts': "import { createRng } from '../rng/index.js';\nimport { make } from '../dsl/builder.js';\nexport const go = () => [createRng(1), make()];\n",
  'algorithms/ppo.ts': "import { go } from '../rl/ops.js';\nimport { id } from '../optimizer/pass.js';\nexport { go, id };\n",
  'cli/main.ts': "import { go } from '../algorithms/ppo.js';\nimport { readFileSync } from 'node:fs';\nexport { go, readFileSync };\n",
  'index.ts': "export * from './ir/index.js';\nexport * from './dsl/builder.js';\n",
};

describe('scripts/check-layers.mjs', () => {
  after(() => {
    for (const root of tmpRoots) rmSync(root, { recursive: true, force: true });
  });

  it('passes a clean tree and counts files and imports', () => {
    const r = check(makeTree(CLEAN));
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    // 10 files; imports: ir/index 2, dsl 1, optimizer 1, runtime 2, rl 2, algorithms 2, cli 1, index 2.
    assert.equal(r.stdout.trim(), 'layers ok: 10 files, 13 imports');
  });

  it('the RL layer may not import the runtime (the seeded RNG is a leaf module, rng/)', () => {
    const r = check(makeTree({ ...CLEAN, 'rl/ops.ts': "import { run } from '../runtime/run.js';\nexport const go = run;\n" }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^src\/rl\/ops\.ts:1: layer violation: rl may not import runtime/m);
  });

  it('resolves ./dir/index.js and a bare ./dir to index.ts', () => {
    const r = check(
      makeTree({
        'ir/graph/index.ts': 'export const g = 1;\n',
        'ir/a.ts': "export { g } from './graph/index.js';\n",
        'ir/b.ts': "export { g } from './graph';\n",
      }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /layers ok: 3 files, 2 imports/);
  });

  it('fails on a cycle and a layer violation, naming both as file:line', () => {
    const r = check(
      makeTree({
        ...CLEAN,
        // ir must not import dsl (line 2), and dsl/a <-> dsl/b is a cycle.
        'ir/bad.ts': "export const x = 1;\nimport { make } from '../dsl/builder.js';\nexport { make };\n",
        'dsl/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'dsl/b.ts': "\n\nimport { a } from './a.js';\nexport const b = () => a;\n",
      }),
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^src\/ir\/bad\.ts:2: layer violation: ir may not import dsl \(src\/dsl\/builder\.ts\)/m);
    assert.match(r.stderr, /^src\/dsl\/a\.ts:1: import cycle: src\/dsl\/a\.ts -> src\/dsl\/b\.ts -> src\/dsl\/a\.ts/m);
    assert.match(r.stderr, /src\/dsl\/b\.ts:3/);
    assert.match(r.stderr, /2 violation\(s\)/);
  });

  it('catches dynamic imports, export-from, type-only imports and self-imports across layers', () => {
    const r = check(
      makeTree({
        ...CLEAN,
        'runtime/lazy.ts': "export async function f() {\n  return import('../rl/ops.js');\n}\n",
        'optimizer/re.ts': "export type { Node } from '../dsl/builder.js';\n",
        'inspect/dump.ts': "import type { go } from '../rl/ops.js';\nexport type G = typeof go;\n",
        'dsl/self.ts': "import { go } from 'rlflow';\nexport { go };\n",
      }),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^src\/runtime\/lazy\.ts:2: layer violation: runtime may not import rl/m);
    assert.match(r.stderr, /^src\/optimizer\/re\.ts:1: layer violation: optimizer may not import dsl/m);
    assert.match(r.stderr, /^src\/inspect\/dump\.ts:1: layer violation: inspect may not import rl/m);
    assert.match(r.stderr, /^src\/dsl\/self\.ts:1: layer violation: dsl may not import \(outside src\)/m);
  });

  it('reports a longer cycle with its full path, and unresolvable imports and unknown layers', () => {
    const r = check(
      makeTree({
        'ir/a.ts': "import './b.js';\n",
        'ir/b.ts': "import './c.js';\n",
        'ir/c.ts': "import './a.js';\n",
        'ir/d.ts': "import './missing.js';\n",
        'misc/x.ts': 'export {};\n',
      }),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /import cycle: src\/ir\/a\.ts -> src\/ir\/b\.ts -> src\/ir\/c\.ts -> src\/ir\/a\.ts/);
    assert.match(r.stderr, /^src\/ir\/d\.ts:1: cannot resolve '\.\/missing\.js'/m);
    assert.match(r.stderr, /^src\/misc\/x\.ts:1: 'misc' is not a known layer/m);
  });

  it('fails clearly when the root directory does not exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'rlflow-layers-'));
    tmpRoots.push(root);
    const r = check(join(root, 'src'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such directory: src/);
  });
});
