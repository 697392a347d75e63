/**
 * Element operators (forEach, filter, batch, flatten, combine, transform). On the driver they pull
 * their input and push each item through a stage processor; on actors they lower to one shard-program
 * step each. `fromActors` lowers to the program's source step.
 */
import { ELEMENT_KINDS, K, fusedMembers } from '../../ir/kinds.js';
import { NOT_READY } from '../../ir/contract.js';
import type { NodeAttributes } from '../../ir/types.js';
import type { ProgramOp } from '../actor-host.js';
import { DONE, type Envelope, type Operator, type PullResult } from '../protocol.js';
import { registerOperator, registerProgramLowering, type OperatorArgs } from '../registry.js';
import { createProcessor, type Processor } from '../stage-processor.js';

class ElementOperator implements Operator {
  private readonly buffer: Envelope[] = [];
  private retry: Envelope | undefined;
  private ended = false;
  private current: Envelope | undefined;

  private processor: Processor | undefined;

  constructor(private readonly args: OperatorArgs) {}

  private async makeProcessor(): Promise<Processor> {
    const { node, rt } = this.args;
    const fn = node.stage ? await rt.stageFunction(node) : undefined;
    const ctx = rt.stageContext(node, () => this.current?.source);
    return createProcessor(node.kind, node.params, fn, ctx, true);
  }

  async pull(block: boolean): Promise<PullResult> {
    const { rt, inputs } = this.args;
    this.processor ??= await this.makeProcessor();
    const processor = this.processor;
    for (;;) {
      const next = this.buffer.shift();
      if (next) return next;
      if (this.ended) return DONE;
      const input = this.retry ?? (await inputs[0]!.pull(block));
      this.retry = undefined;
      if (input === NOT_READY) return NOT_READY;
      if (input === DONE) {
        this.ended = true;
        const flushed = await rt.runUserCode(() => processor.finish());
        for (const value of flushed) this.buffer.push({ value, source: this.current?.source });
        continue;
      }
      this.current = input;
      const out = await rt.runUserCode(() => processor.push(input.value));
      if (out === NOT_READY) {
        this.retry = input;
        return NOT_READY;
      }
      if (this.args.node.kind === K.forEach.kind && out.includes(undefined) && !admitsUndefined(this.args.node.output)) {
        // Caught here, at the stage that produced it, rather than as a TypeError in whichever stage reads it.
        throw new TypeError(`the stage returned undefined, but its output is typed '${this.args.node.output}' (did it forget to return?)`);
      }
      for (const value of out) this.buffer.push({ value, source: input.source });
      if (processor.finished) this.ended = true;
    }
  }
}

/** Whether an element type admits `undefined` (untyped stages are 'unknown'). */
function admitsUndefined(type: string): boolean {
  return /\b(unknown|any|void|undefined)\b/.test(type);
}

function driverElement(args: OperatorArgs): Operator {
  return new ElementOperator(args);
}

function lowerElement(node: NodeAttributes): ProgramOp[] {
  const stage = node.stage?.type === 'ref' ? { ref: node.stage.ref, args: node.stage.args } : undefined;
  return [{ kind: node.kind, ...(stage ? { stage } : {}), params: node.params }];
}

for (const kind of ELEMENT_KINDS) {
  registerOperator(kind, driverElement);
  registerProgramLowering(kind, lowerElement);
}
registerProgramLowering(K.fromActors.kind, () => [{ kind: 'source' }]);

/** A fused node runs its members' steps in one segment; each step keeps its member's id for errors. */
registerProgramLowering(K.fused.kind, (node) =>
  fusedMembers(node.params).map((m): ProgramOp => {
    if (m.kind === K.fromActors.kind) return { kind: 'source' };
    return { kind: m.kind, ...(m.stage ? { stage: { ref: m.stage.ref, args: m.stage.args } } : {}), params: m.params, at: m.id };
  }),
);
