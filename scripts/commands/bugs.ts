// `syncstorm bugs`: the bug zoo (scenarios/bugs.ts), one line each: the name, the checker that
// catches it and what it breaks. Also the `--bug NAME` value parser of `syncstorm run`, and the
// zoo's chaos faults for a bug (its fault kinds, no swarm, ZOO_FAULTS_PER_HOUR).

import { InvalidArgumentError, type Command } from 'commander';
import { BUGS, type Bug } from '../../scenarios/bugs.ts';
import type { FaultConfig } from '../../sim/types.ts';
import type { ArgParser } from '../cli-args.ts';

/** The fault rate of the zoo's acceptance runs (scenarios/zoo.test.ts): its seeds-to-catch figures hold at this rate. */
export const ZOO_FAULTS_PER_HOUR = 120;

/** The zoo's nemesis for a bug: only the bug's fault kinds, every one on (no swarm draw). */
export function zooFaults(bug: Bug): Pick<FaultConfig, 'kinds' | 'swarm' | 'faultsPerHour'> {
  return { kinds: bug.faults, swarm: false, faultsPerHour: ZOO_FAULTS_PER_HOUR };
}

/** Accepts the name of a bug of the zoo; anything else is a usage error naming the flag and the known names. */
export function parseBugArg(flag = '--bug'): ArgParser<string> {
  return (value) => {
    const name = value.trim();
    if (BUGS.some((b) => b.name === name)) return name;
    throw new InvalidArgumentError(`${flag} must be a bug of the zoo, got '${value}'; known: ${BUGS.map((b) => b.name).join(', ')}`);
  };
}

/** 'correct' (the engine as shipped) or a bug of the zoo: a system a run file can be re-run on. */
export function parseVariantArg(flag = '--variant'): ArgParser<string> {
  return (value) => {
    const name = value.trim();
    if (name === 'correct' || BUGS.some((b) => b.name === name)) return name;
    throw new InvalidArgumentError(`${flag} must be 'correct' or a bug of the zoo, got '${value}'; bugs: ${BUGS.map((b) => b.name).join(', ')}`);
  };
}

/** One line per bug, columns aligned: name, the checker that catches it, what it does. */
export function formatBugs(): string {
  const nameWidth = Math.max(...BUGS.map((b) => b.name.length));
  const breaksWidth = Math.max(...BUGS.map((b) => b.breaks.length));
  return BUGS.map((b) => `${b.name.padEnd(nameWidth)}  ${b.breaks.padEnd(breaksWidth)}  ${b.description}`).join('\n');
}

export function registerBugs(program: Command): void {
  program
    .command('bugs')
    .description('list the bug zoo (opt-in broken variants): name, the checker that catches it, what it breaks; run one with `run --bug NAME`')
    .action(() => {
      console.log(formatBugs());
    });
}
