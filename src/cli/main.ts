#!/usr/bin/env node
/**
 * The `ranfer` command line. Only the command that runs is loaded (with its TensorFlow.js, sharp, Vega...
 * as it needs them); the top-level help lists every command from their summaries alone.
 */
import { Command } from 'commander';
import { RanferError } from '../util/errors.js';
import { type CommandName, SUMMARIES } from './summaries.js';

type Register = (program: Command) => void;

const COMMANDS: Record<CommandName, () => Promise<Register>> = {
  data: async () => (await import('./data-command.js')).registerDataCommand,
  train: async () => (await import('./train-command.js')).registerTrainCommand,
  eval: async () => (await import('./eval-command.js')).registerEvalCommand,
  ablate: async () => (await import('./ablate-command.js')).registerAblateCommand,
  ship: async () => (await import('./ship-command.js')).registerShipCommand,
  predict: async () => (await import('./predict-command.js')).registerPredictCommand,
  video: async () => (await import('./video-command.js')).registerVideoCommand,
  export: async () => (await import('./export-command.js')).registerExportCommand,
  report: async () => (await import('./report-command.js')).registerReportCommand,
  serve: async () => (await import('./serve-command.js')).registerServeCommand,
  bench: async () => (await import('./bench-command.js')).registerBenchCommand,
  regions: async () => (await import('./regions-command.js')).registerRegionsCommand,
};

const isCommand = (name: string | undefined): name is CommandName =>
  name !== undefined && Object.hasOwn(COMMANDS, name);

async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('ranfer')
    .description('Facial emotion recognition with a Region Attention Network (FERPlus, 8 emotions)')
    .version('0.1.0');
  // `ranfer CMD ...` and `ranfer help CMD` need CMD's options; anything else needs only the list.
  const [first, second] = argv.slice(2);
  const wanted = first === 'help' ? second : first;
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    if (name === wanted && isCommand(wanted)) (await COMMANDS[name]())(program);
    else program.command(name).description(SUMMARIES[name]);
  }
  hintHelpAfterError(program, 'ranfer');
  await program.parseAsync(argv);
}

/** An option or argument error prints one line and where the help is, not the whole help. */
function hintHelpAfterError(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(see '${path} --help')`);
  for (const sub of cmd.commands) hintHelpAfterError(sub, `${path} ${sub.name()}`);
}

// Every failure ends in one line and exit code 1; RANFER_DEBUG=1 adds the stack of unexpected ones.
main(process.argv).catch((err: unknown) => {
  const expected = err instanceof RanferError;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  console.error(`ranfer: ${message}`);
  if (!expected && process.env.RANFER_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
});
