/** The runtime's public surface: run plans, backends, and the registries extensions use. */
export { run, Runtime, createBackend } from './runtime.js';
export type { BackendName, RuntimeOptions, RuntimeState, StepResult, NodeActivity } from './runtime.js';
export type { ActorBackend, RemoteFailure } from './backend.js';
export { RemoteCallError } from './backend.js';
export { LocalBackend } from './local-backend.js';
export { FarmBackend } from './farm-backend.js';
export { registerOperator, registerProgramLowering } from './registry.js';
export type { OperatorArgs, OperatorFactory } from './registry.js';
export { DONE, NOT_READY, isItem } from './protocol.js';
export type { Envelope, Operator, PullResult } from './protocol.js';
export type { ActorSpec, ProgramOp } from './actor-host.js';
export { MetricsContext, Timer } from './metrics.js';
export { RuntimeContext } from './context.js';
export type { NodeStates } from './context.js';
export { TraceRecorder } from './trace.js';
export type { ChromeTrace, TraceEvent, TraceMetadata, TraceOptions } from './trace.js';
export type { CallTiming, TimedReply } from './actor-host.js';
