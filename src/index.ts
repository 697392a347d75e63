/**
 * rlflow: distributed reinforcement learning as typed, inspectable dataflow plans.
 *
 * Write a plan with the fluent DSL, `compile()` it to a verified IR graph, inspect it (`dumpGraph`), and
 * optimize it (`optimize()`, custom passes with `registerPass`), `run()` it on in-process actors (`local`, deterministic) or worker processes (`farm`).
 */
export * from './dsl/index.js';
export * from './ir/index.js';
export * from './ir/contract.js';
export * from './runtime/index.js';
export * from './optimizer/index.js';
export * from './inspect/index.js';
