/**
 * The text format: the optimized graph's stable dump (`dumpGraph`), the same text `explain` diffs, so
 * what `rlflow inspect` prints can be compared line by line with an optimizer report.
 */
import { dumpGraph } from '../ir/dump.js';
import type { InspectInput, ViewOptions } from './model.js';

/** Renders the optimized graph as the stable text dump (`dumpGraph`), paths relative to `options.root`. */
export function renderText(input: Pick<InspectInput, 'optimized'>, options: ViewOptions = {}): string {
  return dumpGraph(input.optimized, options.root !== undefined ? { root: options.root } : {});
}
