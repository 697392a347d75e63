/**
 * Adam on a single scalar parameter, in plain JS (torch's update rule, as flat-adam.ts): SAC's log α.
 * NOTE: one number does not need a kernel launch, an upload and a readback per step; the α gradient is
 * computed from the stats vector that is read back anyway.
 */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** Adam on one scalar parameter in plain JS (SAC's log α: no kernel launch for a single number). */
export class ScalarAdam {
  private m = 0;
  private v = 0;
  private step = 0;
  constructor(readonly lr: number) {}

  /** The parameter after one step with gradient `g`. */
  apply(value: number, g: number): number {
    this.step += 1;
    this.m = BETA1 * this.m + (1 - BETA1) * g;
    this.v = BETA2 * this.v + (1 - BETA2) * g * g;
    const mHat = this.m / (1 - BETA1 ** this.step);
    const vHat = this.v / (1 - BETA2 ** this.step);
    return value - (this.lr * mHat) / (Math.sqrt(vHat) + EPS);
  }

  getState(): [number, number, number] {
    return [this.m, this.v, this.step];
  }

  setState(state: readonly number[]): void {
    this.m = state[0] ?? 0;
    this.v = state[1] ?? 0;
    this.step = state[2] ?? 0;
  }
}
