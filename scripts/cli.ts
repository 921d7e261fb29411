// The `syncstorm` CLI: wires commands and flags, and owns the exit codes.
// Each command's work lives in scripts/commands/<name>.ts and is imported only when run.
// Exit codes: 0 ok · 1 the command failed · 2 usage error (unknown command or option, bad value,
// flags that make no valid simulation together).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { SimConfigError } from '../sim/config.ts';

export const exitCodeUsage = 2;
export const exitCodeFailure = 1;

export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

/** The program with every command wired; errors are thrown (exitOverride), never printed here. */
export function buildProgram(output: CliOutput = processOutput): Command {
  const program = new Command();
  program
    .name('syncstorm')
    .description('Deterministic simulation and chaos-testing harness for offline-first sync protocols')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: output.writeOut,
      writeErr: output.writeErr,
      // Errors are reported once, by run(), in our own one-line format.
      outputError: () => {},
    });

  for (const register of COMMANDS) register(program);
  return program;
}

/** Commander prefixes its messages with `error: ` and, for a rejected value, repeats the flag. */
function usageMessage(error: CommanderError): string {
  let message = error.message.replace(/^error: /, '');
  if (error.code === 'commander.invalidArgument') {
    // A value outside an option's .choices(): say which flag and which value.
    const choice = /^option '(\S+)[^']*' argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/s.exec(message);
    if (choice !== null) return `${choice[1]} must be one of ${choice[3]}, got '${choice[2]}'`;
    // "option '--seed <n>' argument 'x' is invalid. --seed must be …" → "--seed must be …";
    // the parsers in cli-args.ts already name the flag and the value.
    message = message.replace(/^.*? is invalid(?: for argument '[^']*')?\. (?=\S)/, '');
  }
  return message.split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
}

/** Parses `argv` (node, script, …args), runs the command and returns the exit code. */
export async function run(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  return runProgram(buildProgram(output), argv, output);
}

/** Runs any program built like buildProgram's (exitOverride, silent outputError). */
export async function runProgram(program: Command, argv: readonly string[], output: CliOutput): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return 0;
  } catch (error) {
    return reportError(error, output);
  }
}

function reportError(error: unknown, output: CliOutput): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0; // --help, --version
    // Help shown because no command was given: the help itself is the message.
    if (error.code === 'commander.help') return exitCodeUsage;
    output.writeErr(`syncstorm: error: ${usageMessage(error)}\n`);
    return exitCodeUsage;
  }
  // Flags each in range can still make no simulation together (more ops than a plan holds, say):
  // the config's own check names the field and the value, and it is the user's input all the same.
  if (error instanceof SimConfigError) {
    output.writeErr(`syncstorm: error: these flags make no valid simulation: ${error.message}\n`);
    return exitCodeUsage;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.writeErr(`syncstorm: ${message}\n`);
  if (process.env['SYNCSTORM_DEBUG'] && error instanceof Error && error.stack) {
    output.writeErr(`${error.stack}\n`);
  }
  return exitCodeFailure;
}

/** The bin's entry: sets the exit code rather than exiting, so output is flushed. */
export async function main(argv: string[]): Promise<void> {
  const code = await run(argv);
  // A command may set a failure code itself (checkers violated, a replay diverged): keep it.
  process.exitCode = code !== 0 ? code : (process.exitCode ?? 0);
}
