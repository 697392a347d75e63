/**
 * Errors of the optimizer. Each names the pass, and, where the failure concerns a node, the node and the
 * plan line that made it (the place is taken from the underlying verifier or pass error).
 */
import { RlflowError, VerificationError, type RlflowErrorOptions } from '../ir/errors.js';

/** A pipeline or pass is misconfigured: unknown pass name, unmet requirement, bad option. */
export class PassConfigError extends RlflowError {
  override name = 'PassConfigError';
}

/** A pass threw, or left the IR broken. `invariant` is set when the verifier caught it. */
export class PassError extends RlflowError {
  override name = 'PassError';
  constructor(
    readonly pass: string,
    reason: string,
    options: RlflowErrorOptions & { readonly invariant?: string } = {},
  ) {
    super(`pass '${pass}': ${reason}`, options);
    this.invariant = options.invariant;
  }
  readonly invariant: string | undefined;

  /** The IR verifier rejected what `pass` produced. */
  static broke(pass: string, e: VerificationError, more: number): PassError {
    const extra = more > 0 ? ` (and ${more} more violation${more > 1 ? 's' : ''})` : '';
    return new PassError(pass, `left the IR broken: invariant '${e.invariant}' violated: ${e.reason.slice(e.invariant.length + 2)}${extra}`, {
      invariant: e.invariant,
      nodeId: e.nodeId,
      nodeName: e.nodeName,
      source: e.source,
      hint: 'a pass must leave a graph that verifyGraph() accepts; rerun with --explain to see the change it made',
      cause: e,
    });
  }
}
