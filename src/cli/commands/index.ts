import type { Command } from 'commander';

/** Every command module registers itself on the program. */
export type Register = (program: Command) => void;

export const commands: Register[] = [];
