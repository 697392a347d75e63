/**
 * Plans saved as JSON: `rlflow inspect <algo> --format json --out plan.json` writes the plan as
 * compiled and as optimized; `rlflow train plan.json` and `rlflow inspect plan.json` run and show it
 * again without its source. A plan JSON is either the IR's own JSON (`graphToJson`) or an inspect
 * document, whose optimized graph is the one that runs. Every stage in it must be a stage reference
 * (a closure cannot be saved); the built-in algorithms' plans are.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompiledPlan } from '../dsl/compile.js';
import { PlanError } from '../ir/errors.js';
import { graphFromJson, type PlanJson } from '../ir/json.js';
import { assertVerified } from '../ir/verify.js';

/** Whether `file` names a saved plan (a `.json` file) rather than a plan module. */
export function isPlanJsonFile(file: string): boolean {
  return /\.json$/i.test(file);
}

/** Reads a saved plan; errors name the file and what is wrong with it. */
export function loadPlanJson(file: string): CompiledPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (e) {
    throw new PlanError(`cannot read the plan JSON ${file}: ${(e as Error).message}`, { hint: 'save one with rlflow inspect <algo> --format json --out plan.json' });
  }
  // An inspect document holds the plan as compiled and as optimized: the optimized one runs.
  const json = (doc && typeof doc === 'object' && 'optimized' in doc ? (doc as { optimized: unknown }).optimized : doc) as PlanJson;
  const graph = graphFromJson(json);
  const closures = graph.filterNodes((_id, n) => n.stage?.type === 'closure');
  if (closures.length) {
    const n = graph.getNodeAttributes(closures[0]!);
    throw new PlanError(`plan JSON ${file} has ${closures.length} driver closure(s), which a JSON file cannot hold (first: '${n.name}')`, {
      nodeId: n.id,
      nodeName: n.name,
      source: n.source,
      hint: 'write the stage as a stage definition with plain-data arguments (actorStageFactory(import.meta.url, make).with(args)), as the built-in RL operators do',
    });
  }
  assertVerified(graph);
  return { graph };
}
