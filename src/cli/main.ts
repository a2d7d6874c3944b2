#!/usr/bin/env node
/** The `ranfer` command line. */
import { Command } from 'commander';
import { DataError } from '../data/errors.js';
import { registerAblateCommand } from './ablate-command.js';
import { registerBenchCommand } from './bench-command.js';
import { registerDataCommand } from './data-command.js';
import { registerEvalCommand } from './eval-command.js';
import { registerPredictCommand } from './predict-command.js';
import { registerRegionsCommand } from './regions-command.js';
import { registerReportCommand } from './report-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerShipCommand } from './ship-command.js';
import { registerTrainCommand } from './train-command.js';

const program = new Command();
program
  .name('ranfer')
  .description('Facial emotion recognition with a Region Attention Network (FERPlus, 8 emotions)')
  .version('0.1.0')
  .showHelpAfterError();

registerDataCommand(program);
registerTrainCommand(program);
registerEvalCommand(program);
registerAblateCommand(program);
registerShipCommand(program);
registerPredictCommand(program);
registerReportCommand(program);
registerServeCommand(program);
registerBenchCommand(program);
registerRegionsCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof DataError) console.error(`ranfer: ${err.message}`);
  else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
