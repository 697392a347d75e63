/**
 * The plan generator and its reference model live in the public testing entry point
 * (src/testing/plans.ts, `rlflow/testing`), where `passSpec` uses them too; re-exported here for the
 * property suites.
 */
export {
  actorCount,
  build,
  byKey,
  describePlan as describe,
  expected,
  gatherIsOrdered,
  isOrdered,
  merge,
  normalize,
  planArbitrary,
  type ActorOp,
  type CounterGroup,
  type DeadBranchDesc,
  type DriverOp,
  type Expected,
  type GatherDesc,
  type GroupDesc,
  type PlanArbitraryOptions,
  type PlanDesc,
  type SourceDesc,
  type SplitDesc,
  type Tagged,
  type UnevenGroup,
  type Unpack,
  type VectorGroup,
} from '../../src/testing/plans.js';
