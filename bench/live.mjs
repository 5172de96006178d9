// verify live end to end (the helper already built) against `node -e 0`, and the helper alone
// against `/bin/true`, medians in the same run. Targets: verify live < 300 ms and the helper
// < 50 ms on an idle machine, given here as ratios to the floors (a node start-up of about 45 ms,
// an exec of about 1 ms), so a loaded machine does not fail them.
//
//   npm run build && node bench/live.mjs [--runs N]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHelper } from '../dist/src/kernel/helper.js';
import { medianMs, report } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 15;

let exe;
try {
  exe = buildHelper({
    helper: readFileSync(join(root, 'generated', 'helper', 'rseq-abi-helper.c'), 'utf8'),
    header: readFileSync(join(root, 'generated', 'c', 'rseq-abi.h'), 'utf8'),
  });
} catch (err) {
  console.log(`skipped: ${err.message}`);
  process.exit(0);
}
const nodeFloor = medianMs([process.execPath, '-e', '0'], { runs });
const live = medianMs([process.execPath, cli, 'verify', 'live', '--format', 'json'], { runs });
const trueFloor = medianMs(['/bin/true'], { runs });
const helper = medianMs([exe], { runs });
const ok = [
  report('verify live (helper built)', live, 'node -e 0', nodeFloor, 6.5),
  report('helper alone', helper, '/bin/true', trueFloor, 50),
];
process.exit(ok.every(Boolean) ? 0 : 1);
