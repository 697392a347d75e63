/**
 * The optimizer's public surface: the pass API (the same one the built-in passes use), the pass
 * manager, the cost model and the resource inventory. Importing it registers the built-in passes.
 */
export * from './errors.js';
export * from './pass.js';
export * from './manager.js';
export * from './diff.js';
export * from './cost-model.js';
export * from './inventory.js';
export * from './rewrite.js';
export * from './passes/index.js';
