#!/usr/bin/env node
// The rlflow command. Runs the compiled CLI from dist/ (built by `npm install` through the `prepare`
// script, or by `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('rlflow: dist/ is missing; run `npm run build` (npm install normally does this).');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
