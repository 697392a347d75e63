/**
 * The binary codec for actor calls that travel over NATS. It covers what actor calls carry (and what
 * Node's structured clone carries between farm workers): plain objects and arrays, numbers, strings,
 * booleans, null/undefined, bigints, Maps, Sets, Dates, Errors and, most importantly, typed arrays,
 * which are written as their raw bytes (no JSON, no base64, no per-element work). A value the codec
 * cannot carry (a function, a symbol) is a `TypeError` naming where in the value it sits.
 *
 * Layout: one tag byte per value, then little-endian fixed-size fields; lengths are u32.
 */

const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Int32: 4,
  Float64: 5,
  String: 6,
  Array: 7,
  Object: 8,
  TypedArray: 9,
  ArrayBuffer: 10,
  BigInt: 11,
  Map: 12,
  Set: 13,
  Date: 14,
  Error: 15,
  /** An array hole (`[1, , 3]`), kept as a hole like structured clone does. */
  Hole: 16,
} as const;

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** Typed array kinds by their byte code on the wire (the order is the wire format: append only). */
const TYPED: readonly TypedArrayCtor[] = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
const TYPED_CODE = new Map<unknown, number>(TYPED.map((c, i) => [c, i]));

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A growable output buffer. */
class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(x: number): void {
    this.reserve(1);
    this.buf[this.pos++] = x;
  }

  u32(x: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, x, true);
    this.pos += 4;
  }

  i32(x: number): void {
    this.reserve(4);
    this.view.setInt32(this.pos, x, true);
    this.pos += 4;
  }

  f64(x: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    // NOTE: ASCII-only strings (keys, method names) are most of them; encodeInto avoids a temporary.
    this.reserve(4 + s.length * 3);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos + 4));
    this.view.setUint32(this.pos, written, true);
    this.pos += 4 + written;
  }
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

function write(w: Writer, value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'undefined':
      w.u8(Tag.Undefined);
      return;
    case 'boolean':
      w.u8(value ? Tag.True : Tag.False);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && !Object.is(value, -0)) {
        w.u8(Tag.Int32);
        w.i32(value);
      } else {
        w.u8(Tag.Float64);
        w.f64(value);
      }
      return;
    case 'string':
      w.u8(Tag.String);
      w.string(value);
      return;
    case 'bigint':
      w.u8(Tag.BigInt);
      w.string(value.toString());
      return;
    case 'function':
    case 'symbol':
      throw new TypeError(`cannot send a ${typeof value} to or from an actor (at ${path || 'the top level'}): only plain data travels`);
  }
  if (value === null) {
    w.u8(Tag.Null);
    return;
  }
  const obj = value as object;
  if (ArrayBuffer.isView(obj)) {
    if (obj instanceof DataView) {
      writeBuffer(w, new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
      return;
    }
    const code = TYPED_CODE.get(obj.constructor);
    if (code === undefined) throw new TypeError(`cannot send a ${obj.constructor.name} (at ${path || 'the top level'})`);
    w.u8(Tag.TypedArray);
    w.u8(code);
    w.u32(obj.byteLength);
    w.bytes(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    return;
  }
  if (obj instanceof ArrayBuffer) {
    writeBuffer(w, new Uint8Array(obj));
    return;
  }
  if (seen.has(obj)) throw new TypeError(`cannot send a value that contains itself (at ${path || 'the top level'})`);
  seen.add(obj);
  if (Array.isArray(obj)) {
    w.u8(Tag.Array);
    w.u32(obj.length);
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) w.u8(Tag.Hole);
      else write(w, obj[i], `${path}[${i}]`, seen);
    }
  } else if (obj instanceof Map) {
    w.u8(Tag.Map);
    w.u32(obj.size);
    let i = 0;
    for (const [k, v] of obj) {
      write(w, k, `${path}.<key ${i}>`, seen);
      write(w, v, `${path}.<value ${i++}>`, seen);
    }
  } else if (obj instanceof Set) {
    w.u8(Tag.Set);
    w.u32(obj.size);
    let i = 0;
    for (const v of obj) write(w, v, `${path}.<item ${i++}>`, seen);
  } else if (obj instanceof Date) {
    w.u8(Tag.Date);
    w.f64(obj.getTime());
  } else if (obj instanceof Error) {
    w.u8(Tag.Error);
    w.string(obj.name);
    w.string(obj.message);
    write(w, obj.stack, `${path}.stack`, seen);
  } else {
    if (!isPlainPrototype(Object.getPrototypeOf(obj)) && typeof (obj as { then?: unknown }).then === 'function') {
      throw new TypeError(`cannot send a promise (at ${path || 'the top level'}): await it first`);
    }
    // Class instances travel as their own enumerable properties, as structured clone sends them.
    const keys = Object.keys(obj);
    w.u8(Tag.Object);
    w.u32(keys.length);
    for (const k of keys) {
      w.string(k);
      write(w, (obj as Record<string, unknown>)[k], path ? `${path}.${k}` : k, seen);
    }
  }
  seen.delete(obj);
}

function writeBuffer(w: Writer, bytes: Uint8Array): void {
  w.u8(Tag.ArrayBuffer);
  w.u32(bytes.byteLength);
  w.bytes(bytes);
}

/** Encodes a value (see the module comment for what can travel). */
export function encode(value: unknown): Uint8Array {
  const w = new Writer();
  write(w, value, '', new Set());
  return w.buf.subarray(0, w.pos);
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`truncated message: needs ${n} byte(s) at offset ${this.pos} of ${this.buf.length}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }

  i32(): number {
    this.need(4);
    const x = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return x;
  }

  f64(): number {
    this.need(8);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  /** A copy of the next `n` bytes, in a fresh, aligned ArrayBuffer (the message buffer is reused by NATS). */
  copy(n: number): ArrayBuffer {
    this.need(n);
    const out = new ArrayBuffer(n);
    new Uint8Array(out).set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.u32();
    this.need(n);
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

const HOLE = Symbol('hole');

function read(r: Reader): unknown {
  const tag = r.u8();
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      return r.i32();
    case Tag.Float64:
      return r.f64();
    case Tag.String:
      return r.string();
    case Tag.BigInt:
      return BigInt(r.string());
    case Tag.Hole:
      return HOLE;
    case Tag.Array: {
      const n = r.u32();
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = read(r);
        if (v !== HOLE) out[i] = v;
      }
      return out;
    }
    case Tag.Object: {
      const n = r.u32();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = r.string();
        // defineProperty: a key named `__proto__` is data, not the prototype.
        Object.defineProperty(out, k, { value: read(r), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case Tag.TypedArray: {
      const code = r.u8();
      const Ctor = TYPED[code];
      if (!Ctor) throw new RangeError(`unknown typed array code ${code} at offset ${r.pos - 1}`);
      const bytes = r.u32();
      if (bytes % Ctor.BYTES_PER_ELEMENT !== 0) throw new RangeError(`${Ctor.name} of ${bytes} bytes is not a whole number of elements`);
      return new Ctor(r.copy(bytes));
    }
    case Tag.ArrayBuffer:
      return r.copy(r.u32());
    case Tag.Map: {
      const n = r.u32();
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = read(r);
        out.set(k, read(r));
      }
      return out;
    }
    case Tag.Set: {
      const n = r.u32();
      const out = new Set<unknown>();
      for (let i = 0; i < n; i++) out.add(read(r));
      return out;
    }
    case Tag.Date:
      return new Date(r.f64());
    case Tag.Error: {
      const name = r.string();
      const message = r.string();
      const stack = read(r);
      const e = new Error(message);
      e.name = name;
      if (typeof stack === 'string') e.stack = stack;
      else delete e.stack;
      return e;
    }
    default:
      throw new RangeError(`unknown value tag ${tag} at offset ${r.pos - 1}`);
  }
}

/** Decodes what `encode` wrote; a malformed buffer is a `RangeError` naming the offset. */
export function decode(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const value = read(r);
  if (r.pos !== bytes.length) throw new RangeError(`trailing bytes after the message: read ${r.pos} of ${bytes.length}`);
  return value;
}
