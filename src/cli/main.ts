/**
 * The `rlflow` command line: the user's front door. Dispatches to subcommands and turns errors into
 * one clear message (with the plan place and hint rlflow errors carry) and a non-zero exit code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { RlflowError } from '../ir/errors.js';
import { UsageError } from './args.js';
import { calibrate, calibrateHelp } from './calibrate.js';
import { check, checkHelp } from './check.js';
import { demo, demoHelp } from './demo.js';
import { loc, locHelp } from './loc.js';
import { node, nodeHelp } from './node.js';
import { inspect, inspectHelp } from './inspect.js';
import { passes, passesHelp } from './passes.js';
import { plot, plotHelp } from './plot.js';
import { train, trainHelp } from './train.js';

const HELP = `rlflow — distributed reinforcement learning as typed, inspectable dataflow plans

Usage: rlflow <command> [options]

Commands:
  train     train an agent: rlflow train ppo --env CartPole-v1
  plot      learning curves of a run as SVG: rlflow plot runs/ppo-CartPole-v1-…
  inspect   show a plan as compiled and optimized: rlflow inspect ppo --format html --out ppo.html
  passes    list the optimizer passes and their contracts: rlflow passes [--plugin my-pass.ts]
  calibrate measure this machine's costs for the batch optimizer pass: rlflow calibrate
  node      host actors for runs on other machines: rlflow node --connect nats://host:4222
  demo      run the demo plan (actors → actor-side stage → gather → driver stage)
  check     check plan sources statically: rlflow check plan.ts stages.ts
  loc       plan sizes next to RLlib 1.8's execution plans: rlflow loc --format md
  help      show this help, or help for a command: rlflow help demo

Options: --help, --version`;

const commands: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  train: { run: (argv) => train(argv), help: trainHelp },
  plot: { run: (argv) => plot(argv), help: plotHelp },
  demo: { run: (argv) => demo(argv), help: demoHelp },
  check: { run: (argv) => check(argv), help: checkHelp },
  loc: { run: (argv) => loc(argv), help: locHelp },
  calibrate: { run: (argv) => calibrate(argv), help: calibrateHelp },
  inspect: { run: (argv) => inspect(argv), help: inspectHelp },
  passes: { run: (argv) => passes(argv), help: passesHelp },
  node: { run: (argv) => node(argv), help: nodeHelp },
};

/** rlflow's version, from the nearest package.json above this file (works from src/ and dist/). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rlflow') return pkg.version ?? 'unknown';
    }
  }
  return 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    console.log(topic && commands[topic] ? commands[topic].help : HELP);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`rlflow: unknown command '${name}'\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`rlflow ${name}: ${e.message}\n\n${command.help}`);
      return 2;
    }
    if (e instanceof RlflowError) {
      console.error(`rlflow ${name}: ${e.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
