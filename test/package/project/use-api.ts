// The library from code: a trainer run, a checkpoint, a policy loaded without the trainer.
import { ppo } from 'rlflow/algorithms';
import { makeEnv, checkEnv } from 'rlflow/rl';
import { Trainer, loadPolicy, writeCheckpoint } from 'rlflow/trainer';

checkEnv(() => makeEnv('CartPole-v1'));
const trainer = await Trainer.create({ algorithm: ppo.name, env: 'CartPole-v1', backend: 'local', overrides: { numWorkers: 1, numEnvsPerWorker: 2, rolloutFragmentLength: 16, trainBatchSize: 32, sgdMinibatchSize: 16, numSgdIter: 1, hidden: [8] } });
try {
  const r = await trainer.train();
  writeCheckpoint('api-checkpoint.json', await trainer.save());
  console.log(`api: iteration ${r?.training_iteration} steps ${r?.timesteps_total}`);
} finally {
  await trainer.close();
}
const agent = await loadPolicy('api-checkpoint.json');
console.log(`api: action ${String(agent.computeSingleAction(Float32Array.of(0, 0, 0, 0)))}`);
agent.dispose();
