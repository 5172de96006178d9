#!/usr/bin/env node
// Reading struct rseq from the kernel's BTF: rseq-abi's reader against bpftool and pahole on the
// same file, in the same run. Medians of N runs; ratios are ours / bpftool (<= 1.0 is the goal).
//
//   npm run build && node bench/btf.mjs [--runs N] [--file F] [--json] [--check]
//
//   ours (in process)  read the file, parse it, find struct rseq and lay it out (warm, in this process)
//   ours (command)     `node dist/src/cli/main.js btf --struct rseq --file F`: a whole process, like the others
//   bpftool            `bpftool btf dump file F format c` (bpftool cannot print one type)
//   pahole             `pahole -C rseq F`
// --check exits 1 when a ratio is above 1.0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { btfLayoutOf, readKernelBtf } from '../dist/src/kernel/btf.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const runs = Number(opt('--runs', '15'));
const file = opt('--file', '/sys/kernel/btf/vmlinux');
const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function time(fn) {
  fn(); // warm-up, not counted
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
}

function command(cmd, argv) {
  const probe = spawnSync(cmd, argv, { stdio: 'ignore' });
  if (probe.error) return { skipped: `${cmd} not found` };
  if (probe.status !== 0) return { skipped: `${cmd} exited ${probe.status}` };
  return { ms: time(() => spawnSync(cmd, argv, { stdio: 'ignore' })) };
}

if (!existsSync(file)) {
  process.stderr.write(`bench/btf: ${file} not found\n`);
  process.exit(3);
}

const results = {
  'ours (in process)': { ms: time(() => { if (!btfLayoutOf(readKernelBtf(file), 'rseq')) throw new Error('no struct rseq'); }) },
  'ours (command)': command(process.execPath, [cli, 'btf', '--struct', 'rseq', '--file', file]),
  bpftool: command('bpftool', ['btf', 'dump', 'file', file, 'format', 'c']),
  pahole: command('pahole', ['-C', 'rseq', file]),
};
const base = results.bpftool.ms;
for (const r of Object.values(results)) if (r.ms !== undefined && base !== undefined) r.ratio = r.ms / base;

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ bench: 'btf', file, runs, results }, null, 2)}\n`);
} else {
  process.stdout.write(`btf: struct rseq from ${file}, median of ${runs} runs\n`);
  for (const [name, r] of Object.entries(results)) {
    const cols = r.ms === undefined ? `skipped: ${r.skipped}` : `${r.ms.toFixed(1).padStart(8)} ms${r.ratio === undefined ? '' : `   ours/bpftool ${name.startsWith('ours') ? r.ratio.toFixed(3) : `(${r.ratio.toFixed(3)})`}`}`;
    process.stdout.write(`  ${name.padEnd(18)} ${cols}\n`);
  }
}
const over = Object.entries(results).filter(([name, r]) => name.startsWith('ours') && r.ratio > 1);
if (args.includes('--check') && (base === undefined || over.length)) process.exitCode = 1;
