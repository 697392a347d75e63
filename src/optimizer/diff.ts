/**
 * Diffs of stable IR dumps: what `explain` shows for each pass. Entries are matched by what they
 * describe (a node by id, a group or queue by name), so a pass that inserts one node shows one line,
 * not every line whose position moved.
 */

/** A dump split into entries keyed by what they describe: a node by id, a group by name (with its arg lines). */
function dumpEntries(dump: string): Map<string, string> {
  const entries = new Map<string, string>();
  let last: string | undefined;
  for (const raw of dump.trimEnd().split('\n')) {
    const line = raw.trim();
    const node = /^(\S+) "/.exec(line);
    const group = /^group (\S+) =/.exec(line);
    const queue = /^queue (\S+) /.exec(line);
    if (raw.startsWith('  args') && last?.startsWith('group:')) {
      entries.set(last, `${entries.get(last)!}\n  ${line}`);
      continue;
    }
    if (line.startsWith('scope ')) continue; // a node's scope is in its name
    const key = group ? `group:${group[1]}` : queue ? `queue:${queue[1]}` : line.startsWith('plan ') ? 'plan' : line.startsWith('outputs') ? 'outputs' : node ? `node:${node[1]}` : `line:${line}`;
    entries.set(key, line);
    last = key;
  }
  return entries;
}

/**
 * What changed between two stable dumps, matching nodes by id (groups and queues by name) rather
 * than lines by position: `-` for what went away or changed, `+` for what is new or changed, nothing
 * for what stayed. A pass that adds one node shows one `+` line, however the order shifted.
 */
export function diffDumpsById(before: string, after: string): string {
  const a = dumpEntries(before);
  const b = dumpEntries(after);
  const beforeKeys = [...a.keys()];
  const out: string[] = [];
  let emitted = 0;
  const removedUpTo = (index: number): void => {
    for (; emitted < index; emitted++) {
      const key = beforeKeys[emitted]!;
      if (!b.has(key)) out.push(...a.get(key)!.split('\n').map((l) => `- ${l}`));
    }
  };
  for (const [key, text] of b) {
    const at = beforeKeys.indexOf(key);
    if (at >= 0) removedUpTo(at + 1);
    const old = a.get(key);
    if (old === text) continue;
    if (old !== undefined) out.push(...old.split('\n').map((l) => `- ${l}`));
    out.push(...text.split('\n').map((l) => `+ ${l}`));
  }
  removedUpTo(beforeKeys.length);
  return out.join('\n');
}
