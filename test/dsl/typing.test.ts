// Compile-time type tests for the DSL. `typeChecks` is never called: it exists for `tsc`, which fails
// (`npm run typecheck`) if a line marked `@ts-expect-error` stops being a type error, or if one of the
// positive checks stops compiling. Element types are compared exactly with `Equal`, so a DSL method that
// starts returning a looser type (e.g. `Stream<unknown>`) is caught too. The runtime tests check that
// the IR verifier rejects the same mistakes in plans that bypass TypeScript (dynamic plans, casts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  actors,
  compile,
  concurrently,
  dequeue,
  fromActors,
  fromItems,
  fromIterable,
  queue,
  type ParStream,
  type Stream,
} from '../../src/dsl/index.js';
import { NOT_READY, type ActorRef, type StageContext } from '../../src/ir/contract.js';
import { VerificationError } from '../../src/ir/errors.js';
import { Counter, double, scale } from '../fixtures/counters.js';
import { isLong, Learner, parseNum, repeatText, toText, Words, words } from '../fixtures/typed-stages.js';

/** Exact type equality (not mere assignability). */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Elem<S> = S extends Stream<infer T> ? T : S extends ParStream<infer T> ? T : never;

/** Compiles only if `S` carries elements of exactly type `T`. */
function expectElem<T>() {
  return <S>(stream: S, ok: Equal<Elem<S>, T>): S => {
    void ok;
    return stream;
  };
}

export function typeChecks(): void {
  const numbers = fromItems([1, 2, 3]);
  const strings = fromItems(['a', 'bb']);
  const counters = actors(Counter, { count: 2, args: [0, 10] });
  const readers = actors(Words, { args: ['some words here'] });
  const learner = actors(Learner);

  // ---- element types flow ----
  expectElem<number>()(numbers, true);
  expectElem<number[]>()(numbers.batch(2), true);
  // @ts-expect-error -- batch(n) gives number[], not number
  expectElem<number>()(numbers.batch(2), true);
  expectElem<number>()(numbers.batch(2).flatten(), true);
  expectElem<number>()(numbers.forEach((x) => x + 1), true);
  expectElem<string>()(numbers.forEach(toText), true);
  expectElem<number>()(strings.forEach(parseNum), true);
  expectElem<[ActorRef, number]>()(numbers.zipWithSourceActor(), true);
  // @ts-expect-error -- zipWithSourceActor pairs with an ActorRef
  expectElem<number>()(numbers.zipWithSourceActor(), true);
  expectElem<number | string>()(concurrently([numbers, strings], { mode: 'async' }), true);
  // @ts-expect-error -- concurrently gives the union of its streams
  expectElem<number>()(concurrently([numbers, strings], { mode: 'async' }), true);
  expectElem<number>()(fromActors(counters), true);
  expectElem<string>()(fromActors(readers), true);
  expectElem<number[]>()(fromActors(counters).batch(4), true);
  expectElem<number>()(fromActors(counters).forEach(double).gatherSync(), true);
  expectElem<number[]>()(fromActors(counters).batchAcrossShards(), true);
  expectElem<number>()(fromActors(readers).forEach(parseNum).gatherAsync({ inFlight: 2 }), true);
  expectElem<string>()(fromActors(readers).filter(isLong).combine(words).forEach(repeatText.with(2)).gatherSync(), true);
  expectElem<number>()(strings.callActor(learner, 'learn', { args: () => [[1]] }), true);
  expectElem<number[]>()(numbers.callActor(learner, 'getWeights'), true);
  expectElem<number>()(fromIterable(function* () { yield 1; }), true);

  // ---- a stream cannot feed a stage declared for another type ----
  // @ts-expect-error -- Stream<number> into a stage declared for string
  numbers.forEach(parseNum);
  // @ts-expect-error -- Stream<string> into a stage declared for number
  strings.forEach(toText);
  // @ts-expect-error -- ParStream<string> into an actor stage declared for number
  fromActors(readers).forEach(double);
  // @ts-expect-error -- ParStream<number> into a predicate declared for string
  fromActors(counters).filter(isLong);
  // @ts-expect-error -- a driver closure typed for strings on a number stream
  numbers.forEach((s: string) => s.length);
  // @ts-expect-error -- a filter predicate must return boolean
  numbers.filter((x: number) => x + 1);
  // @ts-expect-error -- combine needs an iterable result
  numbers.combine((x: number) => x);

  // ---- ParStream methods take stage definitions, never closures ----
  // @ts-expect-error -- ParStream.forEach with a closure
  fromActors(counters).forEach((x: number) => x * 2);
  // @ts-expect-error -- ParStream.filter with a closure
  fromActors(counters).filter((x: number) => x > 0);
  // @ts-expect-error -- ParStream.combine with a closure
  fromActors(counters).combine((x: number) => [x]);
  // @ts-expect-error -- a ParStream is not a driver stream: gather it first
  concurrently([numbers, fromActors(counters)], { mode: 'async' });

  // ---- driver stages: NOT_READY and the stage context ----
  expectElem<number>()(
    numbers.forEach((x: number, ctx: StageContext) => (ctx.metrics.get('x') > 0 ? NOT_READY : x)),
    true,
  );

  // ---- queues carry their element type ----
  const q = queue<number>('q', { capacity: 2 });
  numbers.enqueue(q);
  expectElem<number>()(dequeue(q), true);
  // @ts-expect-error -- Stream<string> into Queue<number>
  strings.enqueue(q);

  // ---- actor groups, methods and stage arguments ----
  numbers.callActors(learner, 'setWeights', { args: (x) => [[x]] });
  // @ts-expect-error -- not a method of Learner
  numbers.callActors(learner, 'train');
  // @ts-expect-error -- a field, not a method
  numbers.callActors(learner, 'weights');
  // @ts-expect-error -- not a method of Learner
  numbers.callActor(learner, 'nope');
  // @ts-expect-error -- Counter's constructor takes numbers
  actors(Counter, { args: ['zero'] });
  // @ts-expect-error -- scale's factory takes a number
  scale.with('3');
  // @ts-expect-error -- Learner has no items(), so fromActors has no element type to give
  expectElem<number>()(fromActors(learner), true);
  // @ts-expect-error -- batch takes a number
  numbers.batch('2');
  // @ts-expect-error -- concurrently needs a mode
  concurrently([numbers, strings], {});
}

describe('DSL typing', () => {
  test('the compile-time checks exist (tsc checks them; they never run)', () => {
    assert.equal(typeof typeChecks, 'function');
    assert.equal(typeChecks.length, 0);
  });

  test('the IR verifier rejects the same type mismatches in plans that bypass TypeScript', async () => {
    const cases: Array<[Stream<unknown>, RegExp]> = [
      [fromItems([1]).forEach(parseNum as never), /expects 'string' but 'fromItems' produces 'number'/],
      [fromItems(['a']).forEach(toText as never), /expects 'number' but 'fromItems' produces 'string'/],
      [fromActors(actors(Words, { name: 'r' })).forEach(double as never).gatherSync(), /expects 'number' but 'r\/fromActors' produces 'string'/],
      [fromItems([1]).batch(2).forEach(toText as never), /expects 'number' but 'batch\(2\)' produces 'number\[\]'/],
      [fromItems(['a']).enqueue(queue<number>('q', { capacity: 1, type: 'number' }) as never), /expects 'number' but 'fromItems' produces 'string'/],
    ];
    for (const [plan, reason] of cases) {
      await assert.rejects(compile(plan), (e: unknown) => {
        assert.ok(e instanceof VerificationError, String(e));
        assert.equal(e.invariant, 'types');
        assert.match(e.message, reason);
        return true;
      });
    }
  });
});
