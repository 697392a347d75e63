/**
 * `rlflow/testing`: property-testing tools for plans and passes. `checkPass` / `passSpec` check that an
 * optimizer pass (yours or a built-in one) keeps what plans compute, on generated plans; `planArbitrary`
 * and its deterministic actors and stages are reusable in your own fast-check properties.
 */
export * from './stages.js';
export * from './plans.js';
export * from './run-plan.js';
export * from './pass-spec.js';
