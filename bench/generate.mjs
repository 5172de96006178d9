// Cold-process `rseq-abi generate --check` against `node -e 0`, same run, medians: target ratio <= 3.
// The first figure is a new process with the generate memo in place (what CI and users run after
// one generate); the second runs every generator (--no-memo), for information.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianMs, report } from './lib.mjs';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
medianMs([process.execPath, cli, 'generate', '--check', '--no-memo'], { runs: 1 }); // leaves the memo in place
const floor = medianMs([process.execPath, '-e', '0']);
const check = medianMs([process.execPath, cli, 'generate', '--check']);
const full = medianMs([process.execPath, cli, 'generate', '--check', '--no-memo'], { runs: 5 });
report('generate --check', check, 'node -e 0', floor, 3);
console.log(`generate --check --no-memo (every generator run): ${full.toFixed(1)} ms; ratio ${(full / floor).toFixed(2)} (no target)`);
