/**
 * Replay memory for off-policy learning: segment trees, the columnar ring buffer, (prioritized) replay
 * buffers, n-step transitions, buffers keyed by policy id and the replay actor. See docs/replay.md.
 */
export { MinSegmentTree, SumSegmentTree, nextPowerOfTwo } from './segment-tree.js';
export { ColumnarRingBuffer } from './ring-buffer.js';
export type { RingBufferState } from './ring-buffer.js';
export { BATCH_INDEXES, ReplayBuffer, WEIGHTS } from './prioritized.js';
export type { PrioritizedState, ReplayBufferOptions } from './prioritized.js';
export { DISCOUNTS, TRANSITION_COLUMNS, nStepTransitions } from './n-step.js';
export { ReplayBuffers, replayBuffersConfigSchema } from './replay-buffers.js';
export type { PriorityUpdate, ReplayBuffersConfig, ReplayBuffersState, ReplayStats } from './replay-buffers.js';
export { ReplayActor } from './replay-actor.js';
export type { ReplayActorImpl } from './replay-actor.js';
