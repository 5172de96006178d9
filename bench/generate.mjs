// Cold `rseq-abi generate --check` against `node -e 0`, same run, medians: target ratio <= 3.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianMs, report } from './lib.mjs';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
const floor = medianMs([process.execPath, '-e', '0']);
const check = medianMs([process.execPath, cli, 'generate', '--check']);
report('generate --check', check, 'node -e 0', floor, 3);
