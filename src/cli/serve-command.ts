/** `ranfer serve`: the web demo and the HTTP API. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { DetectorKind } from '../face/detector.js';
import { defaultModelDir } from '../infer/face-model.js';
import { startServer } from '../server/server.js';
import { positiveInt } from './parse.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the web demo (webcam and photos, in the browser) and the HTTP API (POST /api/recognize)',
    )
    .option('--port <n>', 'port (0: any free one)', port, 8080)
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--model <dir>', 'model folder', defaultModelDir())
    .addOption(new Option('--detector <kind>', 'face detector').choices(['tiny', 'ssd']).default('tiny'))
    .option('--max-body <MiB>', 'largest request body in MiB', positiveInt, 20)
    .option('--max-queue <n>', 'requests allowed to wait before 503', positiveInt, 256)
    .option('--log', 'log every request')
    .action(
      async (opts: {
        port: number;
        host: string;
        model: string;
        detector: DetectorKind;
        maxBody: number;
        maxQueue: number;
        log?: boolean;
      }) => {
        const server = await startServer({
          host: opts.host,
          port: opts.port,
          recognizer: { modelDir: opts.model, detector: opts.detector },
          maxBodyBytes: opts.maxBody * 1024 * 1024,
          maxQueue: opts.maxQueue,
          logger: opts.log === true,
        });
        console.log(
          `ranfer is serving the demo at ${server.url}/ (API: POST ${server.url}/api/recognize); Ctrl-C stops it`,
        );
        const stop = () => {
          server.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}
