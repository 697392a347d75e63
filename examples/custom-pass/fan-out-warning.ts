/**
 * A read-only custom pass: it changes nothing and warns when a gather fans in from more shards than a
 * threshold (each shard is one worker process the driver must serve; past a few dozen the driver's
 * event loop, not the workers, bounds throughput — spec/limits.md §2). Warnings are printed by
 * `rlflow train` and `rlflow inspect` even without `--explain`.
 */
import { getKind, inputEdges, registerPass, type Pass } from '../../src/index.js';

export const fanOutWarning: Pass = registerPass({
  name: 'fan-out-warning',
  description: 'warns about gathers over more shards than the `maxShards` option (default 32)',
  preserves: 'all',
  idempotent: true,
  run(graph, ctx) {
    const maxShards = typeof ctx.options['maxShards'] === 'number' ? ctx.options['maxShards'] : 32;
    const groups = graph.getAttribute('actorGroups');
    graph.forEachNode((id, node) => {
      if (!getKind(node.kind).gathersFromActors) return;
      let shards = 0;
      for (const e of inputEdges(graph, id)) {
        const chain = graph.getNodeAttributes(e.from);
        const group = chain.placement.on === 'actors' ? groups[chain.placement.group] : undefined;
        shards += group?.count ?? 0;
      }
      if (shards > maxShards) {
        ctx.warn(`'${node.name}' gathers from ${shards} shards (more than ${maxShards}): the driver may become the bottleneck; consider a tree of gathers`, { nodeId: id, nodeName: node.name, source: node.source });
      } else ctx.note(`'${node.name}' gathers from ${shards} shard(s)`, id);
    });
  },
});
