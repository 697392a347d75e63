// Unit tests for the IR's element-type language (src/ir/type-expr.ts): parsing, canonical formatting,
// assignability (with `unknown` as the gradual type) and the helpers the DSL uses to compute the element
// types of batch, flatten, zipWithSourceActor and unions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  arrayOf,
  elementOf,
  formatType,
  isAssignable,
  normalizeType,
  parseType,
  tupleOf,
  typeFits,
  unionOf,
} from '../../src/ir/type-expr.js';

describe('parseType', () => {
  test('names, unknown and any', () => {
    assert.deepEqual(parseType('number'), { t: 'name', name: 'number' });
    assert.deepEqual(parseType('  SampleBatch '), { t: 'name', name: 'SampleBatch' });
    assert.deepEqual(parseType('unknown'), { t: 'unknown' });
    assert.deepEqual(parseType('any'), { t: 'unknown' });
    // Names may be qualified and generic-looking; they are opaque identifiers.
    assert.deepEqual(parseType('ns.Type'), { t: 'name', name: 'ns.Type' });
    assert.deepEqual(parseType('Map<K>'), { t: 'name', name: 'Map<K>' });
    assert.deepEqual(parseType('$x_1'), { t: 'name', name: '$x_1' });
  });

  test('arrays, nested arrays and arrays of parenthesized unions', () => {
    assert.deepEqual(parseType('number[]'), { t: 'array', of: { t: 'name', name: 'number' } });
    assert.deepEqual(parseType('number [] []'), { t: 'array', of: { t: 'array', of: { t: 'name', name: 'number' } } });
    assert.deepEqual(parseType('(a | b)[]'), {
      t: 'array',
      of: { t: 'union', members: [{ t: 'name', name: 'a' }, { t: 'name', name: 'b' }] },
    });
  });

  test('tuples, including the empty tuple and nested tuples', () => {
    assert.deepEqual(parseType('[]'), { t: 'tuple', items: [] });
    assert.deepEqual(parseType('[ActorRef, number]'), {
      t: 'tuple',
      items: [{ t: 'name', name: 'ActorRef' }, { t: 'name', name: 'number' }],
    });
    assert.deepEqual(parseType('[a, [b, c[]]]'), {
      t: 'tuple',
      items: [
        { t: 'name', name: 'a' },
        { t: 'tuple', items: [{ t: 'name', name: 'b' }, { t: 'array', of: { t: 'name', name: 'c' } }] },
      ],
    });
    assert.deepEqual(parseType('[a | b]'), {
      t: 'tuple',
      items: [{ t: 'union', members: [{ t: 'name', name: 'a' }, { t: 'name', name: 'b' }] }],
    });
  });

  test('unions bind looser than []', () => {
    assert.deepEqual(parseType('a | b[]'), {
      t: 'union',
      members: [{ t: 'name', name: 'a' }, { t: 'array', of: { t: 'name', name: 'b' } }],
    });
    assert.deepEqual(parseType('a|b|c'), {
      t: 'union',
      members: [{ t: 'name', name: 'a' }, { t: 'name', name: 'b' }, { t: 'name', name: 'c' }],
    });
  });

  test('malformed input throws a SyntaxError naming the text and the position', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /expected a type name/],
      ['   ', /expected a type name/],
      ['number[', /expected a type name|unexpected trailing text/],
      ['(number', /expected '\)'/],
      ['[number, string', /expected '\]'/],
      ['number string', /unexpected trailing text/],
      ['a |', /expected a type name/],
      ['| a', /expected a type name/],
      ['123', /expected a type name/],
      ['[a,]', /expected a type name/],
      ['a)', /unexpected trailing text/],
    ];
    for (const [text, why] of cases) {
      assert.throws(
        () => parseType(text),
        (e: unknown) => {
          assert.ok(e instanceof SyntaxError, `parseType(${JSON.stringify(text)}) should throw a SyntaxError`);
          assert.match(e.message, why, `message for ${JSON.stringify(text)}`);
          assert.ok(e.message.includes(`'${text}'`), `message names the text: ${e.message}`);
          assert.match(e.message, / at \d+:/);
          return true;
        },
      );
    }
  });

  test('the reported position is where parsing stopped', () => {
    assert.throws(() => parseType('number string'), /at 7: unexpected trailing text/);
    assert.throws(() => parseType('(a'), /at 2: expected '\)'/);
  });
});

describe('formatType / normalizeType', () => {
  test('canonical text of every form', () => {
    const cases: Array<[string, string]> = [
      ['number', 'number'],
      ['any', 'unknown'],
      [' number [] ', 'number[]'],
      ['[ a ,b ]', '[a, b]'],
      ['[]', '[]'],
      ['a|b', 'a | b'],
      ['(a|b)[]', '(a | b)[]'],
      ['((a))', 'a'],
      ['(a)[]', 'a[]'],
      ['[a,b][]', '[a, b][]'],
      ['(a|b)[][]', '(a | b)[][]'],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeType(input), expected, `normalizeType(${JSON.stringify(input)})`);
  });

  test('formatting is idempotent and parse(format(x)) round-trips', () => {
    for (const text of ['number', '(a | b)[]', '[ActorRef, number[]]', 'a | [b, c] | d[][]', '[]', 'unknown']) {
      const once = normalizeType(text);
      assert.equal(normalizeType(once), once);
      assert.deepEqual(parseType(once), parseType(text));
      assert.equal(formatType(parseType(text)), once);
    }
  });

  test('normalizeType propagates parse errors', () => {
    assert.throws(() => normalizeType('number['), SyntaxError);
  });
});

describe('isAssignable / typeFits', () => {
  test('unknown fits anything and anything fits unknown', () => {
    for (const t of ['number', 'number[]', '[a, b]', 'a | b', 'unknown']) {
      assert.equal(typeFits('unknown', t), true, `unknown -> ${t}`);
      assert.equal(typeFits(t, 'unknown'), true, `${t} -> unknown`);
    }
    assert.equal(typeFits('any', 'string'), true);
  });

  test('names fit only the same name', () => {
    assert.equal(typeFits('number', 'number'), true);
    assert.equal(typeFits('number', 'string'), false);
    assert.equal(typeFits('SampleBatch', 'Gradients'), false);
  });

  test('arrays are covariant; names and arrays do not mix', () => {
    assert.equal(typeFits('number[]', 'number[]'), true);
    assert.equal(typeFits('number[]', 'unknown[]'), true);
    assert.equal(typeFits('number[]', 'string[]'), false);
    assert.equal(typeFits('number', 'number[]'), false);
    assert.equal(typeFits('number[]', 'number'), false);
    assert.equal(typeFits('number[][]', 'number[]'), false);
  });

  test('unions: every member of the source must fit; the source must fit some member of the target', () => {
    assert.equal(typeFits('number', 'number | string'), true);
    assert.equal(typeFits('number | string', 'number | string'), true);
    assert.equal(typeFits('string | number', 'number | string'), true);
    assert.equal(typeFits('number | string', 'number'), false);
    assert.equal(typeFits('number | string', 'number | boolean'), false);
    assert.equal(typeFits('boolean', 'number | string'), false);
    assert.equal(typeFits('number[]', '(number | string)[]'), true);
    assert.equal(typeFits('(number | string)[]', 'number[]'), false);
  });

  test('tuples match position by position and need equal length', () => {
    assert.equal(typeFits('[a, b]', '[a, b]'), true);
    assert.equal(typeFits('[a, b]', '[a, unknown]'), true);
    assert.equal(typeFits('[a, b]', '[b, a]'), false);
    assert.equal(typeFits('[a, b]', '[a, b, c]'), false);
    assert.equal(typeFits('[a]', '[a, b]'), false);
    assert.equal(typeFits('[]', '[]'), true);
  });

  test('a tuple is also an array of the union of its items, but not the other way round', () => {
    assert.equal(typeFits('[a, a]', 'a[]'), true);
    assert.equal(typeFits('[a, b]', '(a | b)[]'), true);
    assert.equal(typeFits('[a, b]', 'a[]'), false);
    assert.equal(typeFits('[]', 'a[]'), true);
    assert.equal(typeFits('a[]', '[a]'), false);
  });

  test('isAssignable works on parsed types', () => {
    assert.equal(isAssignable(parseType('[ActorRef, number]'), parseType('[ActorRef, number | string]')), true);
    assert.equal(isAssignable({ t: 'name', name: 'x' }, { t: 'array', of: { t: 'unknown' } }), false);
  });

  test('typeFits throws on a malformed type', () => {
    assert.throws(() => typeFits('number[', 'number'), SyntaxError);
    assert.throws(() => typeFits('number', '[number'), SyntaxError);
  });
});

describe('type helpers', () => {
  test('arrayOf wraps, parenthesizing unions', () => {
    assert.equal(arrayOf('number'), 'number[]');
    assert.equal(arrayOf('number[]'), 'number[][]');
    assert.equal(arrayOf('a | b'), '(a | b)[]');
    assert.equal(arrayOf('[a, b]'), '[a, b][]');
    assert.equal(arrayOf('unknown'), 'unknown[]');
    assert.equal(arrayOf(' x '), 'x[]');
  });

  test('elementOf unwraps arrays and tuples; anything else is unknown', () => {
    assert.equal(elementOf('number[]'), 'number');
    assert.equal(elementOf('number[][]'), 'number[]');
    assert.equal(elementOf('(a | b)[]'), 'a | b');
    assert.equal(elementOf('[a, b]'), 'a | b');
    assert.equal(elementOf('[a, a]'), 'a');
    assert.equal(elementOf('[]'), 'unknown');
    assert.equal(elementOf('number'), 'unknown');
    assert.equal(elementOf('unknown'), 'unknown');
    assert.equal(elementOf('a[] | b[]'), 'unknown');
    assert.equal(elementOf(arrayOf('SampleBatch')), 'SampleBatch');
  });

  test('tupleOf builds canonical tuples', () => {
    assert.equal(tupleOf('ActorRef', 'number'), '[ActorRef, number]');
    assert.equal(tupleOf('ActorRef', 'a|b'), '[ActorRef, a | b]');
    assert.equal(tupleOf(), '[]');
    assert.equal(tupleOf('x []'), '[x[]]');
  });

  test('unionOf flattens, dedupes in first-seen order and absorbs into unknown', () => {
    assert.equal(unionOf(['number']), 'number');
    assert.equal(unionOf(['number', 'number']), 'number');
    assert.equal(unionOf(['number', 'string']), 'number | string');
    assert.equal(unionOf(['string', 'number']), 'string | number');
    assert.equal(unionOf(['a | b', 'b | c', 'a']), 'a | b | c');
    assert.equal(unionOf(['a[]', 'a []']), 'a[]');
    assert.equal(unionOf(['number', 'unknown']), 'unknown');
    assert.equal(unionOf(['any', 'number']), 'unknown');
    assert.equal(unionOf([]), 'unknown');
  });

  test('helpers propagate parse errors', () => {
    assert.throws(() => arrayOf('('), SyntaxError);
    assert.throws(() => elementOf('a[b]'), SyntaxError);
    assert.throws(() => tupleOf('a', ''), SyntaxError);
    assert.throws(() => unionOf(['a', 'b c']), SyntaxError);
  });
});
