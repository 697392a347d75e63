/**
 * The static plan check (src/check, docs/check.md): each rule fires on the fixtures in
 * test/fixtures/check/ at the exact place with the identifier concerned, and stays quiet on code a
 * worker can load — the fixtures' good files and rlflow's own algorithms, RL operators and examples.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkFiles, checkPlanFiles, formatViolation, PlanFileError, StaticCheckError, type Violation } from '../../src/check/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = 'test/fixtures/check';
const fixture = (name: string) => `${FIXTURES}/${name}.ts`;
const check = (files: string[], options = {}) => checkFiles(files, { cwd: ROOT, ...options });

/** The parts of a violation a test pins down: place, rule, identifier. */
const brief = (v: Violation) => `${v.file}:${v.line}:${v.column} ${v.rule} ${v.identifier}`;

/** Every .ts file under a directory of the repo. */
function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
    .sort();
}

describe('rlflow check: code a worker can load passes', () => {
  test('exported module-level stages, a factory with arguments, aliases and namespace imports: no violations', async () => {
    const report = await check([fixture('good-stages'), fixture('good-plan')]);
    assert.deepEqual(report.violations.map(brief), []);
    assert.equal(report.files, 2);
    // double, scale, pairUp (rl.actorStage with a const URL), Counter, renamed (exported as upper).
    assert.equal(report.definitions, 5);
  });

  test("rlflow's own algorithms, RL operators, demo and examples pass", async () => {
    const files = [...tsFiles('src/algorithms'), ...tsFiles('src/rl'), ...tsFiles('src/cli/demo'), ...tsFiles('examples')];
    const report = await check(files);
    assert.deepEqual(report.violations.map(formatViolation), []);
    // RolloutWorker, computeGradientsOnWorker, the demo's PiSampler and countHits, the examples' stages.
    assert.ok(report.definitions >= 10, `only ${report.definitions} definitions found`);
  });
});

describe('rlflow check: rules', () => {
  test('captured-variable: a stage closing over the plan function parameter k, at the use, with where k is declared', async () => {
    const { violations } = await check([fixture('bad-captured')]);
    assert.deepEqual(violations.map(brief), [`${fixture('bad-captured')}:10:18 not-exported scaled`, `${fixture('bad-captured')}:10:65 captured-variable k`]);
    const captured = violations[1]!;
    assert.deepEqual(captured.declaredAt, { file: fixture('bad-captured'), line: 9, column: 26 });
    assert.equal(
      formatViolation(captured),
      `${fixture('bad-captured')}:10:65: captured-variable: stage 'scaled' uses 'k', a parameter of function 'makePlan' (line 9) declared at ${fixture('bad-captured')}:9:26; ` +
        `a worker process imports the module but never runs that function, so 'k' would not exist there (identifier 'k')\n` +
        `  hint: pass it as a factory argument: export const scaled = actorStageFactory(import.meta.url, (k) => <the stage function>) and use scaled.with(k) in the plan`,
    );
    assert.match(violations[0]!.message, /defined inside function 'makePlan' \(line 9\)/);
  });

  test('not-exported: an unexported constant, a definition nested in an object, a name option that is not the export', async () => {
    const { violations } = await check([fixture('bad-unexported')]);
    const file = fixture('bad-unexported');
    assert.deepEqual(violations.map(brief), [`${file}:7:16 not-exported double`, `${file}:9:30 not-exported actorStage`, `${file}:11:23 not-exported triple`]);
    assert.match(violations[0]!.hint, /^export it: export const double = actorStage\(import\.meta\.url/);
    assert.match(violations[1]!.message, /part of a larger expression/);
    assert.match(violations[2]!.message, /says \{ name: 'thrice' \}, but its module exports it as 'triple'/);
  });

  test('stages and an actor class inside a function: each is not-exported, and every captured local is named once', async () => {
    const { violations } = await check([fixture('bad-in-function')]);
    const file = fixture('bad-in-function');
    assert.deepEqual(violations.map(brief), [
      `${file}:10:19 not-exported shifted`,
      `${file}:10:92 captured-variable offset`,
      `${file}:14:19 not-exported Sampler`,
      `${file}:14:61 captured-variable Base`,
      `${file}:18:21 not-exported viaHelper`,
      `${file}:18:70 captured-variable helper`,
      `${file}:18:81 captured-variable options`,
    ]);
    const hints = new Map(violations.map((v) => [v.identifier, v.hint]));
    assert.match(hints.get('offset')!, /add it to the factory's parameters.*shifted\.with\(\.\.\., offset\)/);
    assert.match(hints.get('Base')!, /move 'Base' to module level/);
    assert.match(hints.get('Sampler')!, /constructor arguments: actors\(Sampler, \{ args: \[\.\.\.\] \}\)/);
  });

  test('not-loadable: a URL other than import.meta.url (a module constant holding import.meta.url is fine)', async () => {
    const { violations, definitions } = await check([fixture('bad-not-loadable')]);
    const file = fixture('bad-not-loadable');
    assert.equal(definitions, 4);
    assert.deepEqual(violations.map(brief), [`${file}:10:36 not-loadable wrongUrl`, `${file}:12:38 not-loadable derivedUrl`, `${file}:14:33 not-loadable Plain`]);
    assert.match(violations[0]!.message, /gets 'file:\/\/\/tmp\/elsewhere\.js' as its module instead of import\.meta\.url/);
    assert.equal(violations[2]!.hint, "pass the defining module's own URL: actorClass(import.meta.url, ...)");
  });

  test('a definition a plan imports is checked where it is defined; other definitions of that module are not', async () => {
    const report = await check([fixture('uses-imported')]);
    assert.deepEqual(report.violations.map(brief), [`${fixture('bad-not-loadable')}:10:36 not-loadable wrongUrl`]);
    assert.equal(report.definitions, 1);
    const alone = await check([fixture('uses-imported')], { followImports: false });
    assert.deepEqual([alone.violations.length, alone.definitions], [0, 0]);
  });
});

describe('rlflow check: what counts as a definition and a capture', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-check-'));
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test('only rlflow functions are definitions: a same-named function of another package is not', async () => {
    const file = write('other.ts', "import { actorStage } from 'some-other-lib';\nconst s = actorStage('x', (v: number) => v);\nexport const all = [s];\n");
    const report = await checkFiles([file], { cwd: dir });
    assert.deepEqual([report.violations.length, report.definitions], [0, 0]);
  });

  test("this.x, property names and types are not captures; 'rlflow' imports count, outside any tsconfig", async () => {
    const file = write(
      'props.ts',
      [
        "import { actorClass as defineActor } from 'rlflow';",
        'class Base {',
        '  constructor(readonly ctx: unknown, readonly options: { k: number }) {}',
        '}',
        'export const A = defineActor(import.meta.url, class extends Base {',
        '  get k(): number { return this.options.k; }',
        '});',
        'export function make<T>(k: number) {',
        '  return defineActor(import.meta.url, class { v: T | undefined; o = { k: 1 }; f(x: typeof k) { return x; } });',
        '}',
      ].join('\n'),
    );
    const { violations, definitions } = await checkFiles([file], { cwd: dir });
    assert.equal(definitions, 2);
    // Only the second definition's place in a function is wrong: `T`, `k` in `{ k: 1 }` and `typeof k` are no captures.
    assert.deepEqual(violations.map(brief), ['props.ts:9:10 not-exported actorClass']);
  });

  test('checkPlanFiles throws a StaticCheckError listing every violation with its place and hint; resolves on good files', async () => {
    await checkPlanFiles([fixture('good-stages')], { cwd: ROOT });
    await assert.rejects(checkPlanFiles([fixture('bad-captured')], { cwd: ROOT }), (e: unknown) => {
      assert.ok(e instanceof StaticCheckError);
      assert.equal(e.name, 'StaticCheckError');
      assert.equal(e.violations.length, 2);
      assert.match(e.message, /^2 problem\(s\) in the plan's actor-side definitions/);
      assert.ok(e.message.includes(`${fixture('bad-captured')}:10:65: captured-variable:`), e.message);
      assert.ok(e.message.includes('hint: pass it as a factory argument'), e.message);
      return true;
    });
  });

  test('a missing file is a PlanFileError naming it', async () => {
    await assert.rejects(checkFiles(['nope/plan.ts'], { cwd: ROOT }), (e: unknown) => e instanceof PlanFileError && /no such plan file: nope\/plan\.ts/.test(e.message));
  });
});

describe('rlflow check: module-level state', () => {
  test('module-state: actor code reading a module-level let, or a module-level object written elsewhere, is reported at the read', async () => {
    const { violations } = await check([fixture('bad-module-state')]);
    const file = fixture('bad-module-state');
    assert.deepEqual(violations.map(brief), [`${file}:17:71 module-state scale`, `${file}:17:79 module-state settings`]);
    assert.deepEqual(violations[0]!.declaredAt, { file, line: 9, column: 12 });
    assert.match(violations[0]!.message, /a module-level let.*each farm worker imports its own copy/);
    assert.match(violations[1]!.message, /changed elsewhere in the module/);
    assert.match(violations[0]!.hint, /actorStageFactory\(import\.meta\.url, \(scale\) => …\)\.with\(scale\)/);
  });

  test('module-level constants and objects nobody writes to are fine', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-check-'));
    const file = path.join(dir, 'consts.ts');
    const dsl = path.join(ROOT, 'src/dsl/index.js');
    writeFileSync(file, `import { actorStage } from ${JSON.stringify(dsl)};\nconst TABLE = { a: 1 };\nconst K = 3;\nexport const f = actorStage(import.meta.url, (x: number) => x * K + TABLE.a);\n`);
    const { violations } = await checkFiles([file], { cwd: dir });
    assert.deepEqual(violations.map(formatViolation), []);
  });
});
