// A custom optimizer pass, loaded with --plugin and named in --passes.
import { registerPass, type Pass } from 'rlflow';

export const countNodes: Pass = registerPass({
  name: 'count-nodes',
  description: 'notes how many nodes the plan has (changes nothing)',
  preserves: 'all',
  idempotent: true,
  run(graph, ctx) {
    ctx.warn(`count-nodes: the plan has ${graph.order} nodes`);
  },
});
