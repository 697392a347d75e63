// A custom env in TypeScript: workers import this module (envModule), through tsx.
import { box, discrete, registerEnv, type Action, type Env, type ResetResult, type StepResult } from 'rlflow/rl';

class Corridor implements Env {
  readonly id = 'TsCorridor-v0';
  readonly observationSpace = box([0], [5]);
  readonly actionSpace = discrete(2);
  private position = 0;
  reset(): ResetResult {
    this.position = 0;
    return { observation: Float32Array.of(0), info: {} };
  }
  step(action: Action): StepResult {
    this.position = Math.max(0, this.position + (action === 1 ? 1 : -1));
    const terminated = this.position >= 5;
    return { observation: Float32Array.of(this.position), reward: terminated ? 10 : -1, terminated, truncated: false, info: {} };
  }
}

export const corridor = registerEnv('TsCorridor-v0', () => new Corridor(), { maxEpisodeSteps: 20, module: import.meta.url });
