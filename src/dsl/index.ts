/** The DSL's public surface: definitions, streams, sources, concurrency and the compiler. */
export { actorStage, actorStageFactory, actorClass, actors, queue } from './define.js';
export type { ActorOf, ActorGroup, ActorGroupOptions, BoundStage, FactoryStage, ItemOf, Queue, StageOptions, StageUse } from './define.js';
export { Stream } from './stream.js';
export type { CallActorOptions, CallArgs, DriverStage, MethodOf } from './stream.js';
export { ParStream, fromActors } from './par-stream.js';
export type { ActorStage } from './par-stream.js';
export { fromItems, fromIterable, dequeue } from './sources.js';
export { concurrently } from './concurrently.js';
export type { ConcurrentlyOptions, Weight } from './concurrently.js';
export { scope } from './plan-node.js';
export type { StageOptionsBase } from './plan-node.js';
export { compile } from './compile.js';
export type { CompiledPlan, CompileOptions } from './compile.js';
export { registerInternalDir, captureSource } from './source-location.js';
