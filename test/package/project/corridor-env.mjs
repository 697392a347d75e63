// The same env in plain JavaScript: no loader needed.
import { box, discrete, registerEnv } from 'rlflow/rl';

class Corridor {
  id = 'MjsCorridor-v0';
  observationSpace = box([0], [5]);
  actionSpace = discrete(2);
  position = 0;
  reset() {
    this.position = 0;
    return { observation: Float32Array.of(0), info: {} };
  }
  step(action) {
    this.position = Math.max(0, this.position + (action === 1 ? 1 : -1));
    const terminated = this.position >= 5;
    return { observation: Float32Array.of(this.position), reward: terminated ? 10 : -1, terminated, truncated: false, info: {} };
  }
}

export const corridor = registerEnv('MjsCorridor-v0', () => new Corridor(), { maxEpisodeSteps: 20, module: import.meta.url });
