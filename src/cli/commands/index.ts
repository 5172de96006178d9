import type { Command } from 'commander';
import { registerBump } from './bump.js';
import { registerBtf } from './btf.js';
import { registerDiff } from './diff.js';
import { registerGenerate } from './generate.js';
import { registerHeader } from './header.js';
import { registerKernels } from './kernels.js';
import { registerVerifyVm } from './vm.js';
import { registerLayout } from './layout.js';
import { registerPredict } from './predict.js';
import { registerValidate } from './validate.js';
import { registerCheck } from './check.js';
import { registerProbe } from './probe.js';
import { registerVerify } from './verify.js';

/** Every command module registers itself on the program. */
export type Register = (program: Command) => void;

export const commands: Register[] = [
  registerValidate,
  registerLayout,
  registerPredict,
  registerGenerate,
  registerDiff,
  registerBump,
  registerHeader,
  registerBtf,
  registerKernels,
  registerProbe,
  registerVerify,
  registerCheck,
  // after registerVerify: adds `vm` to its `verify`
  registerVerifyVm,
];
