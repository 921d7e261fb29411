// `syncstorm scenarios`: the scenario catalogue (scenarios/catalogue.ts), one line each: the
// name, the title and the checkers that guard it. Also the `--scenario NAME` value parser of
// `syncstorm run`, which refuses an unknown name as a usage error listing the known ones.

import { InvalidArgumentError, type Command } from 'commander';
import { SCENARIOS } from '../../scenarios/catalogue.ts';
import type { ArgParser } from '../cli-args.ts';

/** Accepts the name of a catalogue scenario; anything else is a usage error naming the flag and the known names. */
export function parseScenarioArg(flag = '--scenario'): ArgParser<string> {
  return (value) => {
    const name = value.trim();
    if (SCENARIOS.some((s) => s.name === name)) return name;
    throw new InvalidArgumentError(`${flag} must be a scenario of the catalogue, got '${value}'; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  };
}

/** One line per scenario, columns aligned: name, title, guarding checkers (a deliberate failure is marked). */
export function formatScenarios(): string {
  const nameWidth = Math.max(...SCENARIOS.map((s) => s.name.length));
  const titleWidth = Math.max(...SCENARIOS.map((s) => s.title.length));
  return SCENARIOS.map((s) => {
    const checkers = s.guardedBy.join(', ') + (s.expectFailure === undefined ? '' : ` (must fail ${s.expectFailure.checker}: a deliberate counterexample)`);
    return `${s.name.padEnd(nameWidth)}  ${s.title.padEnd(titleWidth)}  ${checkers}`;
  }).join('\n');
}

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the scenario catalogue (real sync-engine bug stories): name, title, the checkers that guard it; run one with `run --scenario NAME`')
    .action(() => {
      console.log(formatScenarios());
    });
}
