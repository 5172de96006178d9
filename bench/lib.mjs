// Shared by the benchmarks: wall-time medians of commands, and ratios against a floor measured
// in the same run.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Median wall time in ms of running argv `runs` times (after one warm-up run). */
export function medianMs(argv, { runs = 15, env, input } = {}) {
  const once = () => {
    const t = performance.now();
    const r = spawnSync(argv[0], argv.slice(1), { env: env ? { ...process.env, ...env } : process.env, input, stdio: ['pipe', 'ignore', 'pipe'] });
    const ms = performance.now() - t;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Prints a figure against its floor and the target ratio; returns whether it is met. */
export function report(name, ms, floorName, floorMs, maxRatio) {
  const ratio = ms / floorMs;
  const ok = ratio <= maxRatio;
  console.log(`${name}: ${ms.toFixed(1)} ms; ${floorName}: ${floorMs.toFixed(1)} ms; ratio ${ratio.toFixed(2)} (target <= ${maxRatio}) ${ok ? 'ok' : 'OVER'}`);
  return ok;
}
