// Unit tests for the node-kind registry (src/ir/kinds.ts): kind strings are versioned and well-formed,
// a kind string cannot be re-registered with a different meaning, and looking up an unknown kind is an
// explicit UnknownKindError that lists what is registered.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DuplicateRegistrationError, UnknownKindError } from '../../src/ir/errors.js';
import { ELEMENT_KINDS, getKind, hasKind, K, outputPorts, registerKind, registeredKinds, type KindSpec } from '../../src/ir/kinds.js';

function spec(kind: string, extra: Partial<KindSpec> = {}): KindSpec {
  return { kind, summary: 'a test kind', inputs: { min: 1, max: 1 }, placement: 'driver', stage: 'none', sideEffects: false, ...extra };
}

describe('registerKind', () => {
  test('accepts namespace/name@version and makes the kind known', () => {
    const s = spec('test-kinds/accept@1');
    assert.equal(hasKind(s.kind), false);
    assert.equal(registerKind(s), s);
    assert.equal(hasKind(s.kind), true);
    assert.equal(getKind(s.kind), s);
    assert.ok(registeredKinds().includes(s));
    for (const kind of ['acme.rl/v-trace_2@10', 'a/b@0', 'A_B/c.d-e@123']) assert.equal(registerKind(spec(kind)).kind, kind);
  });

  test('rejects kind strings not of the form namespace/name@version', () => {
    const bad = ['', 'plain', 'ns/name', 'ns/name@', 'ns/name@v1', 'ns/name@1.0', '/name@1', 'ns/@1', 'ns/a/b@1', 'ns name/x@1', 'ns/x@1 ', '@1'];
    for (const kind of bad) {
      assert.throws(
        () => registerKind(spec(kind)),
        (e: unknown) => {
          assert.ok(e instanceof UnknownKindError, `'${kind}' should be rejected with UnknownKindError`);
          assert.equal(e.name, 'UnknownKindError');
          assert.ok(e.message.includes(`'${kind}'`), e.message);
          assert.match(e.message, /namespace\/name@version/);
          return true;
        },
      );
      assert.equal(hasKind(kind), false);
    }
  });

  test('registering a kind twice is a DuplicateRegistrationError with a hint to bump the version, even with the same spec', () => {
    const first = spec('test-kinds/changed@1');
    registerKind(first);
    for (const second of [first, K.batch, spec('test-kinds/changed@1'), spec('test-kinds/changed@1', { inputs: { min: 0, max: 0 } })]) {
      assert.throws(
        () => registerKind(second),
        (e: unknown) => {
          assert.ok(e instanceof DuplicateRegistrationError);
          assert.match(e.message, /node kind '(test-kinds\/changed|rlflow\/batch)@1' is already registered/);
          assert.match(e.hint ?? '', /@2/);
          return true;
        },
      );
    }
    assert.equal(getKind('test-kinds/changed@1'), first, 'the first registration is kept');
    // A new version is a new kind.
    const v2 = registerKind(spec('test-kinds/changed@2', { inputs: { min: 0, max: 0 } }));
    assert.equal(getKind('test-kinds/changed@2'), v2);
    assert.throws(() => registerKind({ ...K.batch }), DuplicateRegistrationError);
  });
});

describe('getKind', () => {
  test('returns every built-in spec by its kind string', () => {
    for (const [key, s] of Object.entries(K)) {
      assert.match(s.kind, /^rlflow\/[a-z-]+@1$/, key);
      assert.equal(getKind(s.kind), s, key);
      assert.equal(hasKind(s.kind), true);
    }
  });

  test('an unknown kind throws UnknownKindError naming it and listing the registered kinds', () => {
    registerKind(spec('test-kinds/listed@1'));
    assert.equal(hasKind('acme/teleport@1'), false);
    assert.throws(
      () => getKind('acme/teleport@1'),
      (e: unknown) => {
        assert.ok(e instanceof UnknownKindError);
        assert.equal(e.name, 'UnknownKindError');
        assert.match(e.reason, /unknown node kind 'acme\/teleport@1'/);
        const hint = e.hint ?? '';
        assert.match(hint, /^registered kinds: /);
        const listed = hint.replace(/^registered kinds: /, '').split(', ');
        for (const s of Object.values(K)) assert.ok(listed.includes(s.kind), `hint lists ${s.kind}`);
        assert.ok(listed.includes('test-kinds/listed@1'));
        assert.deepEqual(listed, [...listed].sort(), 'the list is sorted');
        assert.ok(e.message.includes('hint: registered kinds:'));
        return true;
      },
    );
  });

  test('an older or newer version of a known kind is a different, unknown kind', () => {
    assert.throws(() => getKind('rlflow/batch@2'), UnknownKindError);
    assert.throws(() => getKind('rlflow/batch'), UnknownKindError);
  });
});

describe('registry queries', () => {
  test('registeredKinds is sorted by kind string and holds the built-ins', () => {
    const kinds = registeredKinds().map((s) => s.kind);
    assert.deepEqual(kinds, [...kinds].sort((a, b) => a.localeCompare(b)));
    for (const s of Object.values(K)) assert.ok(kinds.includes(s.kind));
  });

  test('outputPorts is 1 unless the kind computes it from its params', () => {
    assert.equal(outputPorts(K.forEach, {}), 1);
    assert.equal(outputPorts(K.duplicate, { n: 3, maxSkew: 1 }), 3);
    assert.equal(outputPorts(spec('test-kinds/ports@1', { outputs: (p) => Number(p['k']) * 2 }), { k: 2 }), 4);
  });

  test('built-in specs describe placement, stages and side effects as the operators need', () => {
    assert.equal(K.fromActors.placement, 'actors');
    for (const s of [K.gatherSync, K.gatherAsync, K.batchAcrossShards]) {
      assert.equal(s.placement, 'driver');
      assert.equal(s.gathersFromActors, true);
    }
    assert.equal(K.forEach.stage, 'required');
    assert.equal(K.batch.stage, 'none');
    assert.equal(K.callActors.stage, 'optional');
    assert.equal(K.enqueue.sideEffects, true);
    assert.equal(K.batch.sideEffects, false);
    assert.equal(K.gatherAsync.asynchronous, true);
    assert.deepEqual(K.concurrently.inputs, { min: 2, max: Number.POSITIVE_INFINITY });
    assert.deepEqual(
      [...ELEMENT_KINDS].sort(),
      [K.batch, K.combine, K.filter, K.flatten, K.forEach, K.transform].map((s) => s.kind).sort(),
    );
  });
});

describe('runtime registries', () => {
  test('registering an operator or a lowering for a kind twice is a DuplicateRegistrationError', async () => {
    const { registerOperator, registerProgramLowering } = await import('../../src/runtime/index.js');
    assert.throws(() => registerOperator(K.batch.kind, () => ({ pull: async () => 'done' as never })), (e: unknown) => e instanceof DuplicateRegistrationError && /already has an operator for node kind 'rlflow\/batch@1'/.test(e.message));
    assert.throws(() => registerProgramLowering(K.forEach.kind, () => []), (e: unknown) => e instanceof DuplicateRegistrationError && /shard-program lowering/.test(e.message));
  });

  test('params are checked by the kind’s zod schema, naming the key and the bad value', async () => {
    const { checkKindParams } = await import('../../src/ir/kinds.js');
    assert.equal(checkKindParams(K.callActor, { group: 'g', method: 'm', wait: true }, 1), undefined);
    assert.match(checkKindParams(K.callActor, { group: 'g', method: 'm', wait: 'yes' }, 1) ?? '', /^wait: .*got "yes"$/);
    assert.match(checkKindParams(K.enqueue, {}, 1) ?? '', /^queue: .*got undefined$/);
    assert.equal(checkKindParams(K.gatherAsync, { inFlight: 2, extra: 'passes may annotate nodes' }, 1), undefined);
  });
});
