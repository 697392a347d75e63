/**
 * `rlflow node --connect nats://host:port`: makes this machine a host for actors of runs driven from
 * elsewhere. It joins the NATS server, advertises its cores, TF.js backends and GPUs, rlflow version and
 * code digest, and starts actor processes on demand (one per actor, as the farm backend does); they
 * stop when their driver goes away. It only connects out: no listening port.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { detectGpus } from '../optimizer/inventory.js';
import { rlflowIdentity } from '../runtime/nats/identity.js';
import { NodeHost } from '../runtime/nats/node-host.js';
import type { NodeInfo } from '../runtime/nats/wire.js';
import { intOption, parse, UsageError } from './args.js';
import { connectFromFlags, natsHelp, natsOptions } from './cluster.js';

export const nodeHelp = `rlflow node --connect nats://host:port [options]

Hosts actors for runs started elsewhere with \`rlflow train … --backend nats --nats <same URL>\`
(docs/multi-node.md). Runs until interrupted; actors of a driver that goes away are stopped.
  --connect <url>       the NATS server (comma-separated for a cluster)
  --cpus <n>            cores to offer (default: all, ${os.availableParallelism()} here)
  --name <name>         name in placements and errors (default <hostname>-<pid>)
  --lease-ms <ms>       stop a driver's actors after this long without word from it (default 5000)
${natsHelp}`;

/** TF.js backends this process can load. */
function tfjsBackends(): string[] {
  const require = createRequire(`${process.cwd()}/package.json`);
  const out = ['cpu'];
  const has = (pkg: string): boolean => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      try {
        createRequire(import.meta.url).resolve(pkg);
        return true;
      } catch {
        return false;
      }
    }
  };
  if (has('@tensorflow/tfjs-backend-wasm')) out.push('wasm');
  if (has('@tensorflow/tfjs-node')) out.push('tensorflow');
  if (has('@tensorflow/tfjs-node-gpu')) out.push('tensorflow-gpu');
  return out;
}

export async function node(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parse(argv, {
    connect: { type: 'string' },
    cpus: { type: 'string' },
    name: { type: 'string' },
    'lease-ms': { type: 'string' },
    ...natsOptions,
  });
  const url = values['connect'] as string | undefined;
  if (url === undefined) throw new UsageError('--connect nats://host:port is required');
  const name = (values['name'] as string | undefined) ?? `${os.hostname()}-${process.pid}`;
  if (!/^[\w.-]+$/.test(name)) throw new UsageError(`--name must be letters, digits, '_', '.' or '-', got '${name}'`);
  const { gpus, notes } = detectGpus();
  const info: NodeInfo = {
    id: randomBytes(8).toString('hex'),
    name,
    cpus: intOption(values['cpus'], 'cpus', os.availableParallelism(), 1),
    gpus,
    gpuNotes: notes,
    backends: tfjsBackends(),
    ...rlflowIdentity(),
    hostname: os.hostname(),
    pid: process.pid,
  };
  const connection = await connectFromFlags(url, values);
  const host = new NodeHost(connection, info, { leaseMs: intOption(values['lease-ms'], 'lease-ms', 5000, 100), log: out });
  host.start();
  out(`rlflow node '${info.name}' joined ${url}: ${info.cpus} cpu(s), ${info.gpus} gpu(s), tfjs ${info.backends.join('/')}, rlflow ${info.version} (code ${info.codeDigest})`);
  const stop = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    process.once('SIGTERM', () => resolve('terminated'));
    void connection.closed().then((e) => resolve(e ? `lost the NATS connection: ${e.message}` : 'the NATS connection closed'));
  });
  const why = await stop;
  await host.close();
  // NOTE: drain() waits for a server that may be gone (the node would hang on SIGTERM): bounded, then close.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connection.drain().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
  if (!connection.isClosed()) await connection.close().catch(() => undefined);
  out(`rlflow node '${info.name}' stopped: ${why}`);
  return 0;
}
