#!/usr/bin/env node
/** The `ranfer` command line. */
import { Command } from 'commander';
import { DataError } from '../data/errors.js';
import { ImageError } from '../face/image.js';
import { registerAblateCommand } from './ablate-command.js';
import { registerBenchCommand } from './bench-command.js';
import { registerDataCommand } from './data-command.js';
import { UsageError } from './errors.js';
import { registerEvalCommand } from './eval-command.js';
import { registerExportCommand } from './export-command.js';
import { registerPredictCommand } from './predict-command.js';
import { registerRegionsCommand } from './regions-command.js';
import { registerReportCommand } from './report-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerShipCommand } from './ship-command.js';
import { registerTrainCommand } from './train-command.js';
import { registerVideoCommand } from './video-command.js';

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
registerVideoCommand(program);
registerExportCommand(program);
registerReportCommand(program);
registerServeCommand(program);
registerBenchCommand(program);
registerRegionsCommand(program);

// Every failure ends in one line and exit code 1; RANFER_DEBUG=1 adds the stack of unexpected ones.
program.parseAsync(process.argv).catch((err: unknown) => {
  const expected = err instanceof DataError || err instanceof UsageError || err instanceof ImageError;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  console.error(`ranfer: ${message}`);
  if (!expected && process.env.RANFER_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
});
