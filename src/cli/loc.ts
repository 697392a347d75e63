/**
 * `rlflow loc`: the size of each algorithm's plan function next to RLlib 1.8.0's execution plan for
 * the same algorithm (docs/loc.md explains what is counted). `--write <file>` refreshes the table in
 * a Markdown file between `<!-- generated:loc -->` markers (docs/loc.md).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLocTable, type LocFormat } from '../check/loc-table.js';
import { choiceOption, parse, UsageError } from './args.js';

export const locHelp = `rlflow loc [--format text|md] [--dir <algorithms dir>] [--write <file.md>]

Counts the lines of each algorithm's plan function (the \`plan\` of its Algorithm object) and prints
them next to RLlib 1.8.0's execution plan for the same algorithm (spec/rllib-reference.md §3.2) and
the ratio. A line counts when it holds code other than closing brackets: blank, comment-only and
\`});\` lines do not (Python, RLlib's language, has none). See docs/loc.md.
  --format <f>   text (aligned columns, default) or md (a Markdown table)
  --dir <d>      the directory of algorithm modules (default: rlflow's src/algorithms)
  --write <f>    replace the table between <!-- generated:loc --> markers in a Markdown file`;

/** rlflow's src/algorithms, from src/cli or dist/src/cli alike (the TypeScript sources are measured). */
export function defaultAlgorithmsDir(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rlflow') return path.join(dir, 'src', 'algorithms');
    if (path.dirname(dir) === dir) throw new UsageError("cannot find rlflow's package directory; give the algorithms directory with --dir");
  }
}

const START = '<!-- generated:loc -->';
const END = '<!-- /generated:loc -->';

/** `page` with the text between the loc markers replaced by `table` (surrounded by blank lines). */
export function fillLocRegion(page: string, table: string, file = 'the page'): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new UsageError(`${file} has no '${START}' … '${END}' region to fill`);
  return `${page.slice(0, start + START.length)}\n\n${table}\n\n${page.slice(end)}`;
}

/** The Markdown table of the plans in `dir`, as `rlflow loc --format md` prints it. */
export async function locTable(dir: string, format: LocFormat): Promise<string> {
  const { measurePlans } = await import('../check/loc.js');
  return formatLocTable(measurePlans(dir), format);
}

export async function loc(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, dir: { type: 'string' }, write: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const format = choiceOption(values['format'], 'format', ['text', 'md'] as const, values['write'] === undefined ? 'text' : 'md');
  const dir = typeof values['dir'] === 'string' ? values['dir'] : defaultAlgorithmsDir();
  if (!existsSync(dir)) throw new UsageError(`--dir: no such directory: ${dir}`);
  const table = await locTable(dir, format);
  const write = values['write'];
  if (typeof write === 'string') {
    if (format !== 'md') throw new UsageError('--write fills a Markdown file: use --format md (the default with --write)');
    if (!existsSync(write)) throw new UsageError(`--write: no such file: ${write}`);
    writeFileSync(write, fillLocRegion(readFileSync(write, 'utf8'), table, write));
    out(`wrote the plan-size table to ${write}`);
    return 0;
  }
  out(table);
  if (format === 'text') out('lines: non-blank, non-comment lines of the plan function, signature included, closing-bracket-only lines left out (docs/loc.md)');
  return 0;
}
