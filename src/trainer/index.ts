/**
 * `rlflow/trainer`: training runs from code, as `rlflow train` runs them. `Trainer` (config, compile,
 * optimize, run with stop rules, checkpoints), `resolveTrainConfig`, checkpoint files, progress logs,
 * and using a trained policy (`loadPolicy`, `evaluate`). See docs/use-in-your-project.md.
 *
 * @packageDocumentation
 */
export { Trainer, checkRunEnv, defaultOptimizeOptions } from './trainer.js';
export type { TrainerOptions } from './trainer.js';
export { algorithmByName, resolveTrainConfig } from './config.js';
export type { ResolvedTrainConfig, StopRules, TrainConfigInput } from './config.js';
export { CHECKPOINT_FILE, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, checkpointPath, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
export { ProgressWriter, flattenResult } from './progress.js';
export { evaluate, loadPolicy } from './evaluate.js';
export type { EvaluationResult, LoadedPolicy } from './evaluate.js';
