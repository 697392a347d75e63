/**
 * `rlflow passes [--plugin module]…`: the registered optimizer passes and their contracts (what each
 * requires, provides and preserves, whether it is idempotent or runs to a fixed point), and the
 * default pipeline: what a user needs to write a `--passes` list or a pass of their own.
 */
import { DEFAULT_PIPELINE, registeredPasses } from '../optimizer/index.js';
import { parse } from './args.js';
import { loadPlugins } from './optimize-options.js';

export const passesHelp = `rlflow passes [--plugin <module>]…

Lists the registered optimizer passes with their contracts, and the default pipeline.
  --plugin <module>     import a module that registers passes first (repeatable), to list them too
See docs/passes.md.`;

export async function passes(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parse(argv, { plugin: { type: 'string', multiple: true } });
  await loadPlugins(values);
  const list = registeredPasses();
  const width = Math.max(...list.map((p) => p.name.length));
  out(`default pipeline: ${DEFAULT_PIPELINE.join(',')}`);
  out('');
  for (const p of list) {
    const traits = [p.idempotent ? 'idempotent' : 'not idempotent', ...(p.fixedPoint ? ['fixed point'] : [])];
    const props = [
      p.requires?.length ? `requires ${p.requires.join(', ')}` : '',
      p.provides?.length ? `provides ${p.provides.join(', ')}` : '',
      p.preserves === 'all' ? 'preserves all' : p.preserves?.length ? `preserves ${p.preserves.join(', ')}` : 'preserves nothing',
    ].filter(Boolean);
    out(`${p.name.padEnd(width)}  ${p.description}`);
    out(`${' '.repeat(width)}  (${[...traits, ...props].join('; ')})`);
  }
  return 0;
}
