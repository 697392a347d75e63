/** The IR layer's public surface: graph, kinds, types, verifier, dumps and JSON. Depends on nothing else. */
export * from './errors.js';
export * from './types.js';
export * from './type-expr.js';
export * from './kinds.js';
export * from './graph.js';
export * from './verify.js';
export * from './dump.js';
export * from './json.js';
