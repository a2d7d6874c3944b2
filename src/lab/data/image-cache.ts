/**
 * A compact binary cache of one decoded split: uint8 pixels and vote counts, validated against the
 * source (label.csv and every image's size and mtime) and against a SHA-1 of its own payload, so that
 * a stale or corrupt cache is detected and rebuilt, never trusted.
 *
 * Layout: "RANFERC1", u32 little-endian header length, header JSON, payload
 * (count x size x size pixels, then count x 10 votes).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const MAGIC = Buffer.from('RANFERC1', 'ascii');
export const CACHE_VERSION = 1;

export interface CacheHeader {
  version: number;
  split: string;
  count: number;
  size: number;
  votesPerImage: number;
  fingerprint: string;
  payloadSha1: string;
  names: string[];
}

export interface CachedSplit {
  names: string[];
  pixels: Uint8Array;
  votes: Uint8Array;
}

export type CacheRead = { ok: true; data: CachedSplit } | { ok: false; reason: string };

export async function readCache(
  file: string,
  fingerprint: string,
  size: number,
  votesPerImage: number,
): Promise<CacheRead> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch {
    return { ok: false, reason: 'no cache yet' };
  }
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    return { ok: false, reason: 'not a ranfer cache file' };
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) return { ok: false, reason: 'truncated header' };
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLen).toString('utf8')) as CacheHeader;
  } catch {
    return { ok: false, reason: 'unreadable header' };
  }
  if (header.version !== CACHE_VERSION)
    return { ok: false, reason: `cache version ${header.version}, expected ${CACHE_VERSION}` };
  if (header.fingerprint !== fingerprint) return { ok: false, reason: 'the source data changed' };
  if (header.size !== size || header.votesPerImage !== votesPerImage)
    return { ok: false, reason: 'different image size' };
  const pixelBytes = header.count * size * size;
  const payload = buf.subarray(12 + headerLen);
  if (payload.length !== pixelBytes + header.count * votesPerImage || header.names?.length !== header.count) {
    return { ok: false, reason: 'payload length does not match its header' };
  }
  if (createHash('sha1').update(payload).digest('hex') !== header.payloadSha1)
    return { ok: false, reason: 'payload checksum mismatch' };
  return {
    ok: true,
    data: {
      names: header.names,
      pixels: new Uint8Array(payload.buffer, payload.byteOffset, pixelBytes),
      votes: new Uint8Array(payload.buffer, payload.byteOffset + pixelBytes, header.count * votesPerImage),
    },
  };
}

/** Writes the cache atomically (temporary file, then rename). */
export async function writeCache(
  file: string,
  split: string,
  fingerprint: string,
  size: number,
  votesPerImage: number,
  data: CachedSplit,
): Promise<void> {
  const payload = Buffer.concat([
    Buffer.from(data.pixels.buffer, data.pixels.byteOffset, data.pixels.byteLength),
    Buffer.from(data.votes),
  ]);
  const header: CacheHeader = {
    version: CACHE_VERSION,
    split,
    count: data.names.length,
    size,
    votesPerImage,
    fingerprint,
    payloadSha1: createHash('sha1').update(payload).digest('hex'),
    names: data.names,
  };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBuf.length, 0);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, Buffer.concat([MAGIC, len, headerBuf, payload]));
  await fs.rename(tmp, file);
}
