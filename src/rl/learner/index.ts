/**
 * The learner with its own loop (RLlib's LearnerThread and MinibatchBuffer, spec §2.6), for any actor
 * that learns asynchronously from a bounded queue: IMPALA and APPO here, Ape-X alike.
 */
export { LearnerLoop } from './learner-loop.js';
export type { LearnerLoopHooks, LearnerLoopMetrics, LearnerLoopOptions, LearnerOutput, LearnerReply } from './learner-loop.js';
export { MinibatchBuffer } from './minibatch-buffer.js';
export type { MinibatchBufferOptions } from './minibatch-buffer.js';
