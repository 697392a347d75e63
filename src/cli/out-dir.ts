/**
 * Output paths given on the command line (`--out`): created one level at a time, so a bad path fails
 * at once with a message naming the part at fault (a file used as a directory, a read-only or virtual
 * file system such as /proc) instead of a Node stack trace or, with `mkdir -p` on /proc, a spin. A run
 * directory that already holds a run is refused, so a mistyped command never overwrites a run.
 */
import { accessSync, constants, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './args.js';

/** Files whose presence marks a directory as holding a run of `rlflow train`. */
const RUN_FILES = ['progress.jsonl', 'checkpoint.json'];

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Creates `dir` and its missing parents (`option` names the flag in errors); returns it, absolute. */
export function ensureDirectory(dir: string, option = '--out'): string {
  const abs = path.resolve(dir);
  const parts: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    parts.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of parts) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      if (code(e) !== 'ENOENT') throw new UsageError(`${option} ${dir}: cannot use ${p}: ${code(e)}`);
    }
    if (isDir === false) throw new UsageError(`${option} ${dir}: ${p} is a file, not a directory`);
    if (isDir === undefined) {
      try {
        mkdirSync(p);
      } catch (e) {
        if (code(e) !== 'EEXIST') throw new UsageError(`${option} ${dir}: cannot create the directory ${p} (${code(e)})`);
      }
    }
  }
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${option} ${dir}: the directory is not writable (${code(e)})`);
  }
  return abs;
}

/** Prepares a fresh run directory: refuses one that already holds a run, then creates it. */
export function prepareRunDirectory(dir: string): string {
  let existing: string[] = [];
  try {
    existing = readdirSync(dir);
  } catch {
    // missing (created below) or not a directory (ensureDirectory says which part)
  }
  const held = RUN_FILES.filter((f) => existing.includes(f));
  if (held.length > 0) {
    throw new UsageError(`--out ${dir} already holds a run (${held.join(', ')}); give a new directory, or remove that one first`);
  }
  return ensureDirectory(dir);
}
