// Runs every benchmark in bench/ (each a bench/<name>.mjs that prints its own figures).
// Usage: npm run bench [-- name...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && !['run.mjs', 'lib.mjs'].includes(f))
  .filter((f) => !wanted.length || wanted.includes(f.replace(/\.mjs$/, '')))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n== ${b.replace(/\.mjs$/, '')}`);
  const r = spawnSync(process.execPath, [join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
