/**
 * Finds where in the user's code a DSL call was made, so every IR node can point at its plan line.
 * It reads the V8 stack of a fresh Error and returns the first frame outside rlflow's own DSL files (and
 * outside any directory a library registered with `registerInternalDir`, so that operators written on
 * top of the DSL, like the RL layer's, report the user's line rather than their own).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from '../ir/types.js';

const internalDirs: string[] = [path.dirname(fileURLToPath(import.meta.url))];

/** Marks a directory (a file URL or path of any file in it) whose frames are library code, not plan code. */
export function registerInternalDir(fileOrDir: string): void {
  const p = path.resolve(fileOrDir.startsWith('file:') ? fileURLToPath(fileOrDir) : fileOrDir);
  const dir = path.extname(p) ? path.dirname(p) : p;
  if (!internalDirs.includes(dir)) internalDirs.push(dir);
}

const FRAME = /\(?((?:file:\/\/|\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?\s*$/;

function isInternal(file: string): boolean {
  return internalDirs.some((dir) => file.startsWith(dir + path.sep)) || file.includes(`${path.sep}node_modules${path.sep}`);
}

/** The location of the nearest caller frame outside rlflow's DSL, or undefined if none is found. */
export function captureSource(): SourceLocation | undefined {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith('node:') || isInternal(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
