/**
 * Framing for messages larger than the NATS server's max payload (1 MB by default): a message is cut
 * into chunks, each one NATS message with a 12-byte header (message id, chunk index, chunk count), and
 * put together again on the other side. NATS keeps the order of messages from one connection on one
 * subject, so chunks arrive in order; the reassembler still checks it and says when it was broken.
 */

/** Bytes of the frame header: u32 message id, u32 chunk index, u32 chunk count (little-endian). */
export const FRAME_HEADER_BYTES = 12;

/** Cuts `payload` into frames of at most `maxFrame` bytes (header included). */
export function toFrames(id: number, payload: Uint8Array, maxFrame: number): Uint8Array[] {
  const room = maxFrame - FRAME_HEADER_BYTES;
  if (room <= 0) throw new RangeError(`max frame size ${maxFrame} leaves no room after the ${FRAME_HEADER_BYTES}-byte header`);
  const count = Math.max(1, Math.ceil(payload.length / room));
  const frames: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const part = payload.subarray(k * room, Math.min(payload.length, (k + 1) * room));
    const frame = new Uint8Array(FRAME_HEADER_BYTES + part.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, id, true);
    view.setUint32(4, k, true);
    view.setUint32(8, count, true);
    frame.set(part, FRAME_HEADER_BYTES);
    frames.push(frame);
  }
  return frames;
}

/** The message id of a frame (for routing a reply before it is complete). */
export function frameId(frame: Uint8Array): number {
  if (frame.length < FRAME_HEADER_BYTES) throw new RangeError(`a frame has at least ${FRAME_HEADER_BYTES} bytes, got ${frame.length}`);
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
}

interface Partial {
  readonly parts: Uint8Array[];
  readonly count: number;
  bytes: number;
}

/** Puts frames together again, per `key` (the sender) and message id. */
export class Reassembler {
  private readonly partial = new Map<string, Partial>();

  /** Adds one frame; returns the whole message once its last chunk arrived. */
  add(key: string, frame: Uint8Array): { id: number; payload: Uint8Array } | undefined {
    const id = frameId(frame);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const index = view.getUint32(4, true);
    const count = view.getUint32(8, true);
    const body = frame.subarray(FRAME_HEADER_BYTES);
    if (count === 1) return { id, payload: body };
    const k = `${key}#${id}`;
    let p = this.partial.get(k);
    if (!p) {
      if (index !== 0) throw new RangeError(`chunk ${index} of message ${id} arrived before its first chunk`);
      p = { parts: [], count, bytes: 0 };
      this.partial.set(k, p);
    }
    if (index !== p.parts.length || count !== p.count) {
      this.partial.delete(k);
      throw new RangeError(`chunk ${index}/${count} of message ${id} out of order (expected ${p.parts.length}/${p.count})`);
    }
    // NOTE: copy, the client may reuse the frame's buffer once the callback returns.
    p.parts.push(body.slice());
    p.bytes += body.length;
    if (p.parts.length < p.count) return undefined;
    this.partial.delete(k);
    const payload = new Uint8Array(p.bytes);
    let at = 0;
    for (const part of p.parts) {
      payload.set(part, at);
      at += part.length;
    }
    return { id, payload };
  }

  /** Drops the unfinished messages of one sender (it went away). */
  forget(key: string): void {
    for (const k of this.partial.keys()) if (k.startsWith(`${key}#`)) this.partial.delete(k);
  }

  /** Messages still waiting for chunks. */
  get pending(): number {
    return this.partial.size;
  }
}
