/**
 * The actor `rlflow calibrate` times messages with: it does nothing, so a call's time is the message.
 * A module of its own because each farm worker process imports it (keep it free of heavy imports).
 */
import { actorClass } from '../dsl/define.js';
import type { ActorContext } from '../ir/contract.js';

export const CalibrationProbe = actorClass(
  import.meta.url,
  class CalibrationProbe {
    constructor(readonly ctx: ActorContext) {}
    /** A tiny call: its round trip is the per-message cost. */
    ping(): number {
      return 0;
    }
    /** Receives a payload and answers its length (a tiny reply), so the payload goes one way only. */
    take(payload: Float32Array): number {
      return payload.length;
    }
  },
  { name: 'CalibrationProbe' },
);
