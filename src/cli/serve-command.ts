/** `ranfer serve`: the web demo and the HTTP API. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RecognizerConfig } from '../api/recognizer.js';
import type { DetectorKind } from '../face/detector.js';
import { engineOption, faceApiWeightOption, modelsOption, priorWeightOption } from './defaults.js';
import { UsageError } from './errors.js';
import { positiveInt } from './parse.js';
import { SUMMARIES } from './summaries.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(SUMMARIES.serve)
    .option('--port <n>', 'port (0: any free one)', port, 8080)
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .addOption(modelsOption())
    .addOption(new Option('--detector <kind>', 'face detector').choices(['tiny', 'ssd']).default('tiny'))
    .option(
      '--tiny-input-size <n>',
      'Tiny Face Detector input side, a multiple of 32 (larger finds smaller faces, slower)',
      positiveInt,
      512,
    )
    .option('--max-faces <n>', 'at most this many faces per image', positiveInt, 100)
    .addOption(priorWeightOption())
    .addOption(faceApiWeightOption())
    .addOption(engineOption())
    .option('--max-body <MiB>', 'largest request body in MiB', positiveInt, 20)
    .option('--max-queue <n>', 'requests allowed to wait before 503', positiveInt, 256)
    .option(
      '--max-held <MiB>',
      'request bodies held in memory at once before 503 (default 8 bodies)',
      positiveInt,
    )
    .option('--queue-timeout <s>', 'seconds a request may wait for its turn before 503', positiveInt, 30)
    .option('--body-timeout <s>', 'seconds a request body may take to arrive before 408', positiveInt, 30)
    .option('--log', 'log every request')
    .addHelpText(
      'after',
      `
Scaling out: the server keeps no state between requests and recognises one image at a time on one
thread, so serve more by starting one instance per core or machine (each on its own --port) behind a load
balancer. GET /api/health answers { status, model, queue: { running, waiting, limit }, heldBytes, ... }
for its health check. Each instance refuses what passes its limits: 413 over --max-body or 40 million
pixels, 503 with Retry-After when --max-queue requests wait, --max-held MiB of bodies are held or a
request waited --queue-timeout seconds (safe to retry elsewhere), 408 when a body is slower than
--body-timeout. See docs/serving.md.`,
    )
    .action(
      async (opts: {
        port: number;
        host: string;
        model: string | string[];
        detector: DetectorKind;
        tinyInputSize: number;
        maxFaces: number;
        maxBody: number;
        maxQueue: number;
        maxHeld?: number;
        queueTimeout: number;
        bodyTimeout: number;
        log?: boolean;
        priorWeight?: number;
        faceApiWeight?: number;
        backend: RecognizerConfig['backend'];
      }) => {
        const { startServer } = await import('../server/server.js');
        const server = await startServer({
          host: opts.host,
          port: opts.port,
          recognizer: {
            modelDir: opts.model,
            backend: opts.backend,
            detector: opts.detector,
            tinyInputSize: opts.tinyInputSize,
            maxFaces: opts.maxFaces,
            priorWeight: opts.priorWeight,
            faceApiWeight: opts.faceApiWeight,
          },
          maxBodyBytes: opts.maxBody * 1024 * 1024,
          maxQueue: opts.maxQueue,
          maxHeldBytes: opts.maxHeld === undefined ? undefined : opts.maxHeld * 1024 * 1024,
          queueTimeoutMs: opts.queueTimeout * 1000,
          bodyTimeoutMs: opts.bodyTimeout * 1000,
          logger: opts.log === true,
        }).catch((err: NodeJS.ErrnoException) => {
          if (err instanceof RangeError) throw new UsageError(err.message);
          if (err.code === 'EADDRINUSE')
            throw new UsageError(
              `port ${opts.port} on ${opts.host} is in use: choose another with --port (0 picks a free one)`,
            );
          if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
            throw new UsageError(`cannot listen on --host ${opts.host}: no such address on this machine`);
          throw err;
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
