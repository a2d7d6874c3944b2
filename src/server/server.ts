/**
 * `ranfer serve`: the web app, the model files it loads, and a JSON API.
 *
 * - `POST /api/recognize`: an image as the raw body (`Content-Type: image/*`, `application/octet-stream`
 *   or none: the format is read from the bytes) or as a multipart upload (the first file); answers
 *   `{ "faces": [...] }`, each face shaped as in `ranfer predict --json`.
 * - `GET /api/health`: status, model, queue.
 * - `/models/ranfer/*`, `/models/face-api/*`: the weights the web app runs in the browser.
 *
 * Requests are recognised one at a time (one model, one thread) from a bounded queue. Every refusal is
 * decided as early as it can be and answered `{ "error": "..." }`:
 * - 503 with `Retry-After` before the body is read when the queue is full or the bodies being held would
 *   pass `maxHeldBytes`, and when a request has waited `queueTimeoutMs` without its turn;
 * - 408 when a body is not received within `bodyTimeoutMs` (a stalled client);
 * - 413 for bodies over `maxBodyBytes` and images over `maxPixels`;
 * - 400 for unreadable images and malformed multipart, 415 for other content types, 404 for unknown paths.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import PQueue from 'p-queue';
import { faceToJson } from '../api/face-json.js';
import {
  createRecognizer,
  type Recognizer,
  type RecognizerConfig,
  recognizerModelDirs,
} from '../api/recognizer.js';
import { faceApiModelDir } from '../face/face-api-node.js';
import { ImageError } from '../face/image.js';

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
  /** Request bodies held in memory at once, in bytes, before 503 (default 8 bodies of the largest size). */
  maxHeldBytes?: number;
  /** A request that has waited this long without its turn gets 503 (default 30 s). */
  queueTimeoutMs?: number;
  /** A request whose body has not arrived whole within this time gets 408 and is closed (default 30 s). */
  bodyTimeoutMs?: number;
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

const RECOGNIZE = '/api/recognize';
const HOW_TO_SEND =
  'send the image bytes as the body (Content-Type image/*, application/octet-stream or none) or as a multipart/form-data upload';

/** Content types whose body is taken as image bytes. */
function isImageBodyType(type: string | undefined): boolean {
  if (!type) return true;
  const essence = type.split(';')[0].trim().toLowerCase();
  return essence === '' || essence === 'application/octet-stream' || /^image\/[\w.+-]+$/.test(essence);
}

/** Bodies in memory: reserved when a request arrives (its Content-Length), released when it ends. */
class ByteBudget {
  held = 0;
  constructor(readonly limit: number) {}
  take(bytes: number): boolean {
    if (this.held > 0 && this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }
  give(bytes: number): void {
    this.held -= bytes;
  }
}

class QueueTimeout extends Error {}

/** The limits a server enforces, with their defaults. */
interface Limits {
  maxBodyBytes: number;
  maxQueue: number;
  queueTimeoutMs: number;
  bodyTimeoutMs: number;
  retryAfterSec: string;
}

function limitsOf(o: ServerOptions): Limits {
  const queueTimeoutMs = o.queueTimeoutMs ?? 30_000;
  return {
    maxBodyBytes: o.maxBodyBytes ?? 20 * 1024 * 1024,
    maxQueue: o.maxQueue ?? 256,
    queueTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs ?? 30_000,
    retryAfterSec: String(Math.max(1, Math.ceil(queueTimeoutMs / 10_000))),
  };
}

/** A 503 with `Retry-After`: the server is busy, the client should come back. */
function busy(reply: FastifyReply, limits: Limits, why: string) {
  reply.header('Retry-After', limits.retryAfterSec);
  // An unread body is then discarded as it arrives (Node drains it), never held: the client gets
  // the answer instead of a reset connection.
  return fail(reply, 503, `busy: ${why}, retry later`);
}

/**
 * Body parsing and the refusals made before or while a body arrives (queue full, too many bytes held,
 * too large, stalled); error and not-found answers. Returns `bodyArrived(req)`, which the route calls once
 * a multipart body has been read.
 */
async function installBodyHandling(
  app: FastifyInstance,
  limits: Limits,
  queue: PQueue,
  budget: ByteBudget,
): Promise<(req: object) => void> {
  const { maxBodyBytes, bodyTimeoutMs } = limits;
  const held = new WeakMap<object, number>();
  const bodyTimers = new WeakMap<object, NodeJS.Timeout>();
  // Every body that is not multipart is read as bytes; the route decides what it accepts.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  await app.register(fastifyMultipart, { limits: { fileSize: maxBodyBytes, files: 1, fields: 10 } });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE')
      return fail(reply, 413, `request body over the limit of ${maxBodyBytes} bytes`);
    if (status >= 400 && status < 500) return fail(reply, status, err.message);
    if (req.url === RECOGNIZE && req.isMultipart())
      return fail(reply, 400, `malformed multipart body (${err.message})`);
    app.log.error(err);
    return fail(reply, 500, 'internal error');
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 404, `no such path: ${req.method} ${req.url}`));

  // Refusals that need no body are made before it is read: a full queue, too many bytes held.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST' || req.url !== RECOGNIZE) return;
    if (queue.size >= limits.maxQueue) return busy(reply, limits, 'too many requests waiting');
    const length = Number(req.headers['content-length']);
    if (length > maxBodyBytes)
      return fail(reply, 413, `request body over the limit of ${maxBodyBytes} bytes`);
    const bytes = Number.isFinite(length) && length >= 0 ? length : maxBodyBytes;
    if (!budget.take(bytes)) return busy(reply, limits, 'too many uploads in flight');
    held.set(req, bytes);
    // A client that stops sending mid-body gets 408 and its connection is closed.
    bodyTimers.set(
      req,
      setTimeout(() => {
        if (reply.raw.headersSent) return;
        reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        const error = `the request body did not arrive within ${bodyTimeoutMs / 1000} s`;
        reply.raw.end(JSON.stringify({ error }), () => req.raw.destroy());
      }, bodyTimeoutMs),
    );
  });
  const bodyArrived = (req: object) => {
    clearTimeout(bodyTimers.get(req));
    bodyTimers.delete(req);
  };
  const release = async (req: object) => {
    bodyArrived(req);
    const bytes = held.get(req);
    if (bytes === undefined) return;
    held.delete(req);
    budget.give(bytes);
  };
  app.addHook('preHandler', async (req) => {
    if (!req.isMultipart()) bodyArrived(req);
  });
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
  return bodyArrived;
}

/** Runs each `work` in its turn on `queue`, or throws QueueTimeout when the turn has not come in time. */
function turnTaker(queue: PQueue, queueTimeoutMs: number) {
  return <T>(work: () => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    let running = false;
    const timer = setTimeout(() => {
      if (!running) controller.abort(new QueueTimeout());
    }, queueTimeoutMs);
    return queue
      .add(
        () => {
          running = true;
          return work();
        },
        { signal: controller.signal },
      )
      .finally(() => clearTimeout(timer)) as Promise<T>;
  };
}

/** `POST /api/recognize`: the image from the body or a multipart upload, its faces in the queue's turn. */
function registerRecognizeRoute(
  app: FastifyInstance,
  limits: Limits,
  fer: Recognizer,
  inTurn: ReturnType<typeof turnTaker>,
  bodyArrived: (req: object) => void,
): void {
  app.post(RECOGNIZE, async (req, reply) => {
    let image: Buffer;
    if (req.isMultipart()) {
      let file: Awaited<ReturnType<typeof req.file>>;
      try {
        file = await req.file();
        image = file ? await file.toBuffer() : Buffer.alloc(0);
        bodyArrived(req);
      } catch (err) {
        const e = err as Error & { code?: string; statusCode?: number };
        if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.statusCode === 413) throw err;
        return fail(reply, 400, `malformed multipart body (${e.message})`);
      }
      if (!file) return fail(reply, 400, 'the multipart upload has no file');
    } else if (isImageBodyType(req.headers['content-type']) && Buffer.isBuffer(req.body)) image = req.body;
    else if (req.body === undefined && isImageBodyType(req.headers['content-type'])) image = Buffer.alloc(0);
    else return fail(reply, 415, `unsupported content type "${req.headers['content-type']}": ${HOW_TO_SEND}`);
    if (image.length === 0) return fail(reply, 400, 'empty body');
    try {
      const faces = await inTurn(() => fer.recognize(image));
      return { faces: faces.map(faceToJson) };
    } catch (err) {
      if (err instanceof QueueTimeout)
        return busy(reply, limits, `no turn within ${limits.queueTimeoutMs / 1000} s`);
      if (err instanceof ImageError) {
        const message = err.message.replace(/^image buffer: /, '');
        return fail(reply, err.reason === 'too-large' ? 413 : 400, message);
      }
      throw err;
    }
  });
}

/** The weights the web app loads, and the web app itself. */
async function registerFiles(app: FastifyInstance, modelDir: string, webDir: string): Promise<void> {
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
  if (existsSync(webDir)) await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  else
    app.get('/', async (_req, reply) =>
      fail(reply, 404, `the web app is not built (${webDir}): run npm run build`),
    );
}

export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const limits = limitsOf(o);
  const dirs = recognizerModelDirs(o.recognizer ?? {});
  const fer: Recognizer = await createRecognizer({
    ...o.recognizer,
    model: undefined,
    modelDir: dirs,
    maxPixels: o.maxPixels ?? 40_000_000,
  });
  const queue = new PQueue({ concurrency: 1 });
  const budget = new ByteBudget(o.maxHeldBytes ?? 8 * limits.maxBodyBytes);
  const started = Date.now();

  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: limits.maxBodyBytes,
    forceCloseConnections: true,
    // A backstop behind the body timer: Node closes a request still arriving after this.
    requestTimeout: limits.bodyTimeoutMs + 5000,
    http: { connectionsCheckingInterval: 1000 },
  });
  const bodyArrived = await installBodyHandling(app, limits, queue, budget);

  // Cross-origin isolation lets the browser run TensorFlow.js's threaded WASM build.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
  });

  app.get('/api/health', async () => ({
    status: 'ok',
    model: dirs.map((d) => path.basename(path.resolve(d))).join(','),
    detector: o.recognizer?.detector ?? 'tiny',
    queue: { running: queue.pending, waiting: queue.size, limit: limits.maxQueue },
    heldBytes: budget.held,
    memory: { rssBytes: process.memoryUsage().rss, peakRssBytes: process.resourceUsage().maxRSS * 1024 },
    uptimeSec: Math.round((Date.now() - started) / 1000),
  }));

  registerRecognizeRoute(app, limits, fer, turnTaker(queue, limits.queueTimeoutMs), bodyArrived);
  // The web app runs one network in the browser: the first of an ensemble.
  await registerFiles(app, dirs[0], o.webDir ?? defaultWebDir());

  let address: string;
  try {
    address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  } catch (err) {
    await app.close();
    fer.dispose();
    throw err;
  }
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
