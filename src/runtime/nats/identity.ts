/**
 * Who this copy of rlflow is, so a driver and its nodes can tell they run the same code: the version
 * from rlflow's package.json and a digest of its code (src/ in a clone, else dist/ in an installed
 * package), plus file digests of plan modules. Nodes must run the same rlflow and have the plan's
 * modules at the same paths; a difference is found when a node registers, not mid-run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleDigest } from './wire.js';

/** The folder holding rlflow's package.json (found from this file, in src/ or dist/). */
function packageRoot(): string | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string };
      if (pkg.name === 'rlflow') return dir;
    }
  }
  return undefined;
}

let cached: { version: string; codeDigest: string } | undefined;

function listFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (/\.(c|m)?(j|t)s$/.test(e.name)) out.push(p);
  }
}

/** rlflow's version and code digest (computed once per process). */
export function rlflowIdentity(): { readonly version: string; readonly codeDigest: string } {
  if (cached) return cached;
  const root = packageRoot();
  if (!root) return (cached = { version: 'unknown', codeDigest: 'unknown' });
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  const codeDir = [path.join(root, 'src'), path.join(root, 'dist', 'src')].find((d) => existsSync(d) && statSync(d).isDirectory());
  const hash = createHash('sha256');
  if (codeDir) {
    const files: string[] = [];
    listFiles(codeDir, files);
    for (const f of files.sort()) {
      hash.update(path.relative(codeDir, f));
      hash.update('\0');
      hash.update(readFileSync(f));
      hash.update('\0');
    }
  }
  return (cached = { version, codeDigest: hash.digest('hex').slice(0, 16) });
}

/** The digest of one module's file (undefined for a bare package specifier or a file that is not there). */
export function moduleDigest(module: string): ModuleDigest {
  if (!module.startsWith('file:')) return { module, sha256: undefined };
  try {
    return { module, sha256: createHash('sha256').update(readFileSync(fileURLToPath(module))).digest('hex').slice(0, 16) };
  } catch {
    return { module, sha256: undefined };
  }
}

/** Why this process cannot load `expected` as the driver did, or undefined when it can. */
export function moduleMismatch(expected: ModuleDigest): string | undefined {
  if (!expected.module.startsWith('file:')) return undefined;
  const file = fileURLToPath(expected.module);
  if (!existsSync(file)) return `${file} does not exist here`;
  const here = moduleDigest(expected.module).sha256;
  if (expected.sha256 !== undefined && here !== expected.sha256) return `${file} differs from the driver's copy (sha256 ${here ?? 'unreadable'} here, ${expected.sha256} on the driver)`;
  return undefined;
}
