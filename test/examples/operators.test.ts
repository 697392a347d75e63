/**
 * The examples of docs/operators.md (examples/operators/tour.ts) produce exactly the outputs the page
 * states, on the deterministic local backend. If an operator's semantics change, this fails and the
 * page must be updated with it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { examples, runExample } from '../../examples/operators/tour.js';

describe('docs/operators.md examples', () => {
  for (const example of examples) {
    test(example.id, async () => {
      const { outputs, after } = await runExample(example);
      assert.deepEqual(outputs, example.expect);
      assert.equal(after, example.afterExpect);
    });
  }
});
