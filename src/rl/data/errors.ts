/**
 * The one error class of the data layer. Batch functions check their inputs (column lengths, column sets,
 * row ranges, option values) and throw `SampleBatchError` naming the offending column, so a malformed
 * batch produced by a worker fails where it is used with a message that says what is wrong with it.
 */
import { RlflowError, type RlflowErrorOptions } from '../../ir/errors.js';

/** A batch (or an argument to a batch function) is malformed. `column` names the column at fault, if any. */
export class SampleBatchError extends RlflowError {
  override name = 'SampleBatchError';
  readonly column: string | undefined;
  constructor(reason: string, options: RlflowErrorOptions & { readonly column?: string } = {}) {
    super(reason, options);
    this.column = options.column;
  }
}
