/**
 * The JSON format: the plan as compiled and as optimized (each in the IR's JSON form, which
 * `graphFromJson` reads back) and the optimizer report, for tools and for diffing in CI.
 */
import { graphToJson, type PlanJson } from '../ir/json.js';
import type { InspectInput, InspectReport } from './model.js';

/** The JSON form `rlflow inspect --format json` writes: both graphs as `PlanJson`, and the report. */
export interface InspectJson {
  readonly name: string;
  readonly original: PlanJson;
  readonly optimized: PlanJson;
  readonly report: InspectReport;
}

/** The plan's `InspectJson`: the original and optimized graphs as JSON, and the report as given. */
export function inspectJson(input: InspectInput): InspectJson {
  return { name: input.original.getAttribute('name'), original: graphToJson(input.original), optimized: graphToJson(input.optimized), report: input.report };
}

/** Pretty-printed `inspectJson` (the report keeps every field it was given, e.g. per-pass dumps). */
export function renderJson(input: InspectInput): string {
  return JSON.stringify(inspectJson(input), null, 2) + '\n';
}
