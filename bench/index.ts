/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]` runs `main(options)` exported by
 * bench/<name>.ts; `npm run bench` (no name) lists the benchmarks. A benchmark is any bench/*.ts file
 * (other than this one and lib.ts) that exports a `main(args)` function; it may export a one-line
 * `description` for the list. Benchmark modules must have no side effects on import.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  main?: (args: readonly string[]) => unknown;
  description?: string;
}

const dir = dirname(fileURLToPath(import.meta.url));
const NOT_BENCHMARKS = new Set(['index.ts', 'lib.ts']);

async function load(name: string): Promise<BenchModule> {
  return (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as BenchModule;
}

/** Every bench/*.ts that exports `main`, with its description. */
async function discover(): Promise<Array<{ name: string; description: string }>> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_BENCHMARKS.has(f))
    .map((f) => f.slice(0, -3))
    .sort();
  const found: Array<{ name: string; description: string }> = [];
  for (const name of names) {
    const mod = await load(name);
    if (typeof mod.main === 'function') found.push({ name, description: typeof mod.description === 'string' ? mod.description : '' });
  }
  return found;
}

async function list(out: (line: string) => void): Promise<void> {
  out('usage: npm run bench -- <name> [options]\n\nbenchmarks:');
  for (const b of await discover()) out(`  ${b.name.padEnd(12)} ${b.description}`);
}

async function dispatch(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === '--list') {
    await list(console.log);
    return 0;
  }
  const known = await discover();
  if (!known.some((b) => b.name === name)) {
    console.error(`bench: no benchmark '${name}'`);
    await list(console.error);
    return 1;
  }
  await (await load(name)).main!(rest);
  // A benchmark that fails its goals sets process.exitCode (e.g. learn: a target not reached).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

dispatch(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
