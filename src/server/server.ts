/**
 * `ranfer serve`: the web app, the model files it loads, and a JSON API.
 *
 * - `POST /api/recognize`: an image as the raw body (`Content-Type: image/*`) or as a multipart upload
 *   (the first file); answers `{ "faces": [...] }`, each face shaped as in `ranfer predict --json`.
 * - `GET /api/health`: status, model, queue.
 * - `/models/ranfer/*`, `/models/face-api/*`: the weights the web app runs in the browser.
 *
 * Requests are recognised one at a time (one model, one thread) from a bounded queue: when it is full
 * the answer is 503, never a crash. Bodies over `maxBodyBytes` get 413, images over `maxPixels` 413,
 * unreadable images 400, other content types 415, each with `{ "error": "..." }`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import PQueue from 'p-queue';
import { faceToJson } from '../api/face-json.js';
import { createRecognizer, type Recognizer, type RecognizerConfig } from '../api/recognizer.js';
import { faceApiModelDir } from '../face/face-api-node.js';
import { ImageError } from '../face/image.js';
import { defaultModelDir } from '../infer/face-model.js';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Recogniser settings (model folder, detector...). */
  recognizer?: RecognizerConfig;
  /** Largest request body (default 20 MiB). */
  maxBodyBytes?: number;
  /** Largest image, in pixels (default 40 million). */
  maxPixels?: number;
  /** Requests waiting beyond the one being recognised before 503 (default 256). */
  maxQueue?: number;
  /** The built web app (default dist-web/ of the package). */
  webDir?: string;
  /** Log requests (default false). */
  logger?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The built web app shipped with the package. */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../dist-web', import.meta.url));
}

function fail(reply: FastifyReply, status: number, error: string) {
  return reply.code(status).send({ error });
}

export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const maxBodyBytes = o.maxBodyBytes ?? 20 * 1024 * 1024;
  const maxPixels = o.maxPixels ?? 40_000_000;
  const modelDir = o.recognizer?.modelDir ?? defaultModelDir();
  const fer: Recognizer = await createRecognizer({ ...o.recognizer, modelDir, maxPixels });
  const queue = new PQueue({ concurrency: 1 });
  const maxQueue = o.maxQueue ?? 256;
  const started = Date.now();

  const app = Fastify({ logger: o.logger ?? false, bodyLimit: maxBodyBytes, forceCloseConnections: true });
  app.addContentTypeParser(
    /^image\/[\w.+-]+$/,
    { parseAs: 'buffer', bodyLimit: maxBodyBytes },
    (_req, body, done) => done(null, body),
  );
  await app.register(fastifyMultipart, { limits: { fileSize: maxBodyBytes, files: 1, fields: 10 } });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE')
      return fail(reply, 413, `request body over the limit of ${maxBodyBytes} bytes`);
    if (status === 415) return fail(reply, 415, err.message);
    if (status >= 400 && status < 500) return fail(reply, status, err.message);
    app.log.error(err);
    return fail(reply, 500, 'internal error');
  });

  // Cross-origin isolation lets the browser run TensorFlow.js's threaded WASM build.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
  });

  app.get('/api/health', async () => ({
    status: 'ok',
    model: path.basename(path.resolve(modelDir)),
    detector: o.recognizer?.detector ?? 'tiny',
    queue: { running: queue.pending, waiting: queue.size, limit: maxQueue },
    uptimeSec: Math.round((Date.now() - started) / 1000),
  }));

  app.post('/api/recognize', async (req, reply) => {
    let image: Buffer;
    if (req.isMultipart()) {
      const file = await req.file();
      if (!file) return fail(reply, 400, 'the multipart upload has no file');
      image = await file.toBuffer();
    } else if (Buffer.isBuffer(req.body)) image = req.body;
    else
      return fail(
        reply,
        415,
        'send the image as the body with an image/* content type, or as a multipart upload',
      );
    if (image.length === 0) return fail(reply, 400, 'empty body');
    if (queue.size >= maxQueue) return fail(reply, 503, 'busy: too many requests waiting, retry later');
    try {
      const faces = await queue.add(() => fer.recognize(image));
      return { faces: faces.map(faceToJson) };
    } catch (err) {
      if (err instanceof ImageError) {
        const message = err.message.replace(/^image buffer: /, '');
        return fail(reply, err.reason === 'too-large' ? 413 : 400, message);
      }
      throw err;
    }
  });

  await app.register(fastifyStatic, {
    root: modelDir,
    prefix: '/models/ranfer/',
    decorateReply: false,
  });
  await app.register(fastifyStatic, {
    root: faceApiModelDir(),
    prefix: '/models/face-api/',
    decorateReply: false,
  });
  const webDir = o.webDir ?? defaultWebDir();
  if (existsSync(webDir)) await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  else
    app.get('/', async (_req, reply) =>
      fail(reply, 404, `the web app is not built (${webDir}): run npm run build`),
    );

  const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  return {
    app,
    url: address,
    async close() {
      await app.close();
      await queue.onIdle();
      fer.dispose();
    },
  };
}
