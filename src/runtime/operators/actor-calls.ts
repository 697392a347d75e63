/**
 * Message passing from the driver to actors: broadcast to a group (`callActors`), reply to the actor
 * that produced an item (`callSourceActor`), request/reply to one actor per item (`callActor`), and
 * `zipWithSourceActor`. The source actor travels with each item in its envelope rather than in a global
 * "current actor" (RLlib's), so it stays right when async branches interleave.
 * Fire-and-forget failures are not lost: they are thrown at the plan's next pull.
 */
import { PlanError } from '../../ir/errors.js';
import { K } from '../../ir/kinds.js';
import { NOT_READY, type ActorRef } from '../../ir/contract.js';
import type { NodeAttributes } from '../../ir/types.js';
import type { RuntimeContext } from '../context.js';
import { placeOf } from '../context.js';
import { DONE, type Envelope, type Operator, type PullResult } from '../protocol.js';
import { registerOperator, type OperatorArgs } from '../registry.js';

type ArgsFn = (item: unknown, ctx: unknown) => unknown;

/** Builds a call's arguments from an item: the node's args function, or `[item]`. */
async function callArgs(node: NodeAttributes, rt: RuntimeContext, fn: ArgsFn | undefined, item: Envelope): Promise<unknown[]> {
  if (!fn) return [item.value];
  const args = await rt.runUserCode(() => fn(item.value, rt.stageContext(node, () => item.source)));
  if (!Array.isArray(args)) throw new PlanError(`the args function must return an array of call arguments, got ${typeof args}`, placeOf(node));
  return args;
}

function missingSource(node: NodeAttributes): PlanError {
  return new PlanError(`'${node.name}' needs to know which actor produced the item, but this item came from no actor`, {
    ...placeOf(node),
    hint: 'items keep their source actor from a gather (gatherAsync, gatherSync) or callActor through driver stages; batchAcrossShards lists and plain driver sources have none',
  });
}

/** Shared shape: pull an item, send calls for it, pass it (or a reply) on. */
function callOperator(args: OperatorArgs, send: (item: Envelope, callArgs: unknown[]) => Promise<Envelope>): Operator {
  const { node, rt, inputs } = args;
  let fn: ArgsFn | undefined;
  let loaded = !node.stage;
  return {
    async pull(block): Promise<PullResult> {
      if (rt.deferred.length) throw rt.deferred.shift();
      if (!loaded) {
        fn = (await rt.stageFunction(node)) as ArgsFn;
        loaded = true;
      }
      const item = await inputs[0]!.pull(block);
      if (item === NOT_READY || item === DONE) return item;
      return send(item, await callArgs(node, rt, fn, item));
    },
  };
}

function dispatch(rt: RuntimeContext, node: NodeAttributes, targets: readonly ActorRef[], callArgs: unknown[]): Promise<unknown> {
  const method = String(node.params['method']);
  const calls = Promise.all(targets.map((a) => rt.call(node, a, method, callArgs)));
  if (node.params['wait'] === true) return calls;
  calls.catch((e: unknown) => rt.deferred.push(e as never));
  return Promise.resolve();
}

registerOperator(K.callActors.kind, (args) => {
  const targets = args.rt.actors(String(args.node.params['group']));
  return callOperator(args, async (item, callArgs) => {
    await dispatch(args.rt, args.node, targets, callArgs);
    return item;
  });
});

registerOperator(K.callSourceActor.kind, (args) =>
  callOperator(args, async (item, callArgs) => {
    if (!item.source) throw missingSource(args.node);
    await dispatch(args.rt, args.node, [item.source], callArgs);
    return item;
  }),
);

registerOperator(K.callActor.kind, (args) => {
  const targets = args.rt.actors(String(args.node.params['group']));
  let next = 0;
  const keepSource = args.node.params['keepSource'] === true;
  const withInput = args.node.params['withInput'] === true;
  return callOperator(args, async (item, callArgs) => {
    const actor = targets[next++ % targets.length]!;
    const reply = await args.rt.call(args.node, actor, String(args.node.params['method']), callArgs);
    return { value: withInput ? [item.value, reply] : reply, source: keepSource ? item.source : actor };
  });
});

registerOperator(K.zipWithSourceActor.kind, ({ node, inputs }): Operator => ({
  async pull(block): Promise<PullResult> {
    const item = await inputs[0]!.pull(block);
    if (item === NOT_READY || item === DONE) return item;
    if (!item.source) throw missingSource(node);
    return { value: [item.source, item.value], source: item.source };
  },
}));

