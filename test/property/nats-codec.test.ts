/**
 * The NATS backend's binary codec and chunk framing, by properties: any value an actor call can carry
 * comes back equal to what structured clone (the farm's IPC) would give, typed arrays as typed arrays
 * with the same bytes; any message cut into frames of any size comes back whole, also when messages from
 * several senders interleave; malformed input is a clear error, never a wrong value.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FRAME_HEADER_BYTES, Reassembler, toFrames } from '../../src/runtime/nats/chunks.js';
import { decode, encode } from '../../src/runtime/nats/codec.js';

const typedArray = fc.oneof(
  fc.float32Array({ maxLength: 40 }),
  fc.float64Array({ maxLength: 20 }),
  fc.int32Array({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.int8Array({ maxLength: 20 }),
  fc.uint16Array({ maxLength: 20 }),
  fc.int16Array({ maxLength: 20 }),
  fc.uint32Array({ maxLength: 20 }),
  fc.uint8ClampedArray({ maxLength: 20 }),
  fc.bigInt64Array({ maxLength: 5 }),
  fc.bigUint64Array({ maxLength: 5 }),
  // A view into a larger buffer: only its own bytes travel.
  fc.float32Array({ minLength: 4, maxLength: 20 }).map((a) => a.subarray(1, a.length - 1)),
);

const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  typedArray,
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 4, depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 6 }),
  map: fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
  set: fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 4 }).map((e) => new Set(e)),
}));

describe('binary codec', () => {
  test('round-trips every value as structured clone does', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepStrictEqual(decode(encode(v)), structuredClone(v));
      }),
      { numRuns: 2000, seed: 16 },
    );
  });

  test('typed arrays travel as raw bytes: the encoding is the bytes plus a fixed header', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 1000 }), (a) => {
        const bytes = encode(a);
        assert.equal(bytes.length, 1 + 1 + 4 + a.byteLength);
        const back = decode(bytes) as Float32Array;
        assert.ok(back instanceof Float32Array);
        assert.deepStrictEqual(new Uint8Array(back.buffer), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      }),
      { numRuns: 200, seed: 17 },
    );
  });

  test('keeps array holes, -0, NaN, a __proto__ key and class instances as plain objects', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holes = [1, , 3];
    const back = decode(encode(holes)) as unknown[];
    assert.equal(back.length, 3);
    assert.ok(!(1 in back));
    assert.ok(Object.is(decode(encode(-0)), -0));
    assert.ok(Number.isNaN(decode(encode(Number.NaN))));
    const proto = JSON.parse('{"__proto__": {"x": 1}}') as object;
    const got = decode(encode(proto)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.deepStrictEqual(Object.keys(got), ['__proto__']);
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    assert.deepStrictEqual(decode(encode(new Point(1, 2))), { x: 1, y: 2 });
    const e = decode(encode(new RangeError('boom'))) as Error;
    assert.equal(e.name, 'RangeError');
    assert.equal(e.message, 'boom');
  });

  test('a value that cannot travel is a TypeError naming where it sits', () => {
    assert.throws(() => encode({ a: [1, { f: () => 1 }] }), (e: unknown) => e instanceof TypeError && /a\[1\]\.f/.test(e.message));
    assert.throws(() => encode({ s: Symbol('x') }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => encode(cyclic), /contains itself/);
    assert.throws(() => encode({ p: Promise.resolve(1) }), /promise/);
  });

  test('a truncated or corrupted message is a RangeError, never a wrong value', () => {
    fc.assert(
      fc.property(value, fc.nat(), (v, cut) => {
        const bytes = encode(v);
        if (bytes.length < 2) return;
        const short = bytes.subarray(0, cut % bytes.length);
        assert.throws(() => decode(short), RangeError);
      }),
      { numRuns: 500, seed: 18 },
    );
    assert.throws(() => decode(new Uint8Array([99])), /unknown value tag 99/);
    assert.throws(() => decode(new Uint8Array([1, 1])), /trailing bytes/);
  });
});

describe('chunk framing', () => {
  test('any message cut into frames of any size comes back whole, senders interleaved', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: FRAME_HEADER_BYTES + 1, max: 700 }),
        fc.nat(),
        (messages, maxFrame, shuffleSeed) => {
          // Each message from its own sender; frames of one sender stay in order, senders interleave.
          const queues = messages.map((m, i) => toFrames(i + 1, m, maxFrame).map((f) => ({ key: `s${i}`, f })));
          for (const q of queues) for (const { f } of q) assert.ok(f.length <= maxFrame);
          const r = new Reassembler();
          const got = new Map<string, Uint8Array>();
          let s = shuffleSeed;
          while (queues.some((q) => q.length)) {
            s = (s * 1103515245 + 12345) >>> 0;
            const live = queues.filter((q) => q.length);
            const { key, f } = live[s % live.length]!.shift()!;
            const whole = r.add(key, f);
            if (whole) got.set(key, whole.payload.slice());
          }
          assert.equal(r.pending, 0);
          messages.forEach((m, i) => assert.deepStrictEqual(got.get(`s${i}`), m));
        },
      ),
      { numRuns: 300, seed: 19 },
    );
  });

  test('a frame out of order is an error, not a corrupted message', () => {
    const frames = toFrames(7, new Uint8Array(100), 40);
    assert.ok(frames.length > 2);
    const r = new Reassembler();
    r.add('a', frames[0]!);
    assert.throws(() => r.add('a', frames[2]!), /out of order/);
    assert.throws(() => new Reassembler().add('b', frames[1]!), /before its first chunk/);
    assert.throws(() => toFrames(1, new Uint8Array(3), FRAME_HEADER_BYTES), RangeError);
  });
});
