/**
 * The actor class and actor-side stages of the custom-actor example (see plan.ts and
 * docs/writing-plans.md). Worker processes import this module to load them, so it only *defines*
 * things: no top-level work, no `compile()`, no `run()`.
 *
 * `Explorer` is a tiny random-search worker: it keeps a parameter `theta`, and each item it yields is a
 * guess drawn around `theta` with the reward of that guess (closer to the hidden target is better).
 * The driver picks the best guess of each round and broadcasts it back with `setTheta`.
 */
import { actorClass, actorStage, actorStageFactory, type ActorContext, type ActorOf, type ActorStageContext } from '../../src/index.js';

/** One guess, as it travels from an actor to the driver (plain data: it crosses process boundaries). */
export interface Sample {
  readonly actor: number;
  readonly guess: number;
  readonly reward: number;
}

export const Explorer = actorClass(
  import.meta.url,
  class Explorer {
    theta = 0;
    constructor(
      readonly ctx: ActorContext,
      readonly target: number,
      readonly spread: number,
    ) {}

    /** The actor's stream: an endless series of guesses around the current `theta`. */
    *items(): Generator<Sample> {
      for (;;) {
        // ctx.random() is seeded from the run's seed, the group name and this actor's index.
        const guess = this.theta + (this.ctx.random() * 2 - 1) * this.spread;
        yield { actor: this.ctx.index, guess, reward: -Math.abs(guess - this.target) };
      }
    }

    /** Called by the driver (callActors) to move the search to a new centre. */
    setTheta(theta: number): void {
      this.theta = theta;
    }
  },
  { items: 'Sample' },
);

/** Actor-side stage with arguments: clamps each guess into [lo, hi] (bound with `clampGuess.with(lo, hi)`). */
export const clampGuess = actorStageFactory(
  import.meta.url,
  (lo: number, hi: number) =>
    function clampGuess(s: Sample, ctx: ActorStageContext<ActorOf<typeof Explorer>>): Sample {
      const guess = Math.min(hi, Math.max(lo, s.guess));
      // An actor-side stage runs inside the actor and reads its state through ctx.actor, typed by the
      // actor class the ParStream runs on.
      const { target } = ctx.actor;
      return { ...s, guess, reward: -Math.abs(guess - target) };
    },
  { in: 'Sample', out: 'Sample' },
);

/** Actor-side stage without arguments: rounds a guess to 3 decimals, so printed outputs stay short. */
export const roundGuess = actorStage(
  import.meta.url,
  (s: Sample): Sample => ({ actor: s.actor, guess: Math.round(s.guess * 1000) / 1000, reward: Math.round(s.reward * 1000) / 1000 }),
  { in: 'Sample', out: 'Sample' },
);
