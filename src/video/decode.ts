/**
 * Video frames through ffmpeg: `probeVideo` reads a file's size, rate and length with ffprobe;
 * `videoFrames` streams its frames as RGB pixels through a pipe (one frame in memory at a time), all of
 * them, every n-th, or resampled to a rate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { RanferError } from '../util/errors.js';

export class VideoError extends RanferError {
  override name = 'VideoError';
  constructor(message: string) {
    super(message, 'RANFER_VIDEO');
  }
}

export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second of the video stream. */
  fps: number;
  /** Seconds, when the container says. */
  duration?: number;
}

export interface FrameSampling {
  /** Every n-th frame of the video (default 1: all). */
  every?: number;
  /** Or frames resampled to this rate (frames per second). */
  fps?: number;
}

export interface VideoFrame {
  /** 0, 1, 2... among the frames read. */
  index: number;
  /** Seconds from the start of the video. */
  time: number;
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major. */
  data: Uint8Array;
}

/** ffmpeg or ffprobe is not on the PATH. */
export class MissingProgramError extends VideoError {
  constructor(program: string) {
    super(`${program} was not found: install ffmpeg (e.g. apt-get install ffmpeg) to read videos`);
  }
}

const missing = (program: string) => new MissingProgramError(program);

/** Runs a program to its end; its stdout, or a VideoError with the last line it printed to stderr. */
async function output(program: string, args: string[]): Promise<string> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('close', resolve);
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missing(program) : e));
  });
  if (code !== 0) throw new VideoError(lastLine(err, args.at(-1) ?? '') || `${program} exited with ${code}`);
  return out;
}

/** ffmpeg's last error line for `file`, without the path it often starts with (the caller names the file). */
function lastLine(text: string, file: string): string {
  const line = text.trim().split('\n').at(-1) ?? '';
  return line.startsWith(`${file}: `) ? line.slice(file.length + 2) : line;
}

/**
 * The sampling ffmpeg is asked for: a rate above the video's own is capped to it (a higher one would only
 * repeat frames). `capped` says when that happened.
 */
export function effectiveSampling(
  info: VideoInfo,
  sampling: FrameSampling,
): FrameSampling & { capped: boolean } {
  if (sampling.fps !== undefined && sampling.fps >= info.fps) return { every: 1, capped: true };
  return { ...sampling, capped: false };
}

const rate = (r: string | undefined): number => {
  const [n, d] = (r ?? '').split('/').map(Number);
  return d ? n / d : n;
};

/** Size, frame rate and duration of a video file's first video stream. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const json = await output('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,avg_frame_rate,r_frame_rate:format=duration',
    '-of',
    'json',
    file,
  ]).catch((e: Error) => {
    throw e instanceof VideoError && !(e instanceof MissingProgramError)
      ? new VideoError(`${file}: ${e.message}`)
      : e;
  });
  const parsed = JSON.parse(json) as {
    streams?: { width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string }[];
    format?: { duration?: string };
  };
  const s = parsed.streams?.[0];
  if (!s?.width || !s.height) throw new VideoError(`${file}: no video stream`);
  const fps = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
  if (!(fps > 0)) throw new VideoError(`${file}: no frame rate`);
  const duration = Number(parsed.format?.duration);
  return { width: s.width, height: s.height, fps, duration: duration > 0 ? duration : undefined };
}

/** The frames of a video, decoded by ffmpeg into RGB and read from its pipe one at a time. */
export async function* videoFrames(
  file: string,
  info: VideoInfo,
  asked: FrameSampling = {},
): AsyncGenerator<VideoFrame> {
  const sampling = effectiveSampling(info, asked);
  const every = sampling.every ?? 1;
  if (!(Number.isInteger(every) && every >= 1))
    throw new RangeError(`every must be a whole number >= 1, got ${every}`);
  if (sampling.fps !== undefined && !(sampling.fps > 0))
    throw new RangeError(`fps must be > 0, got ${sampling.fps}`);
  const filter = sampling.fps
    ? ['-vf', `fps=${sampling.fps}`]
    : every > 1
      ? ['-vf', `select=not(mod(n\\,${every}))`, '-fps_mode', 'passthrough']
      : [];
  const step = sampling.fps ? 1 / sampling.fps : every / info.fps;
  const child: ChildProcess = spawn(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', file, ...filter, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  let spawnError: Error | undefined;
  const closed = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? missing('ffmpeg') : e;
      resolve(null);
    });
  });
  const size = info.width * info.height * 3;
  let pending: Buffer[] = [];
  let have = 0;
  let index = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      have += chunk.length;
      while (have >= size) {
        const all = Buffer.concat(pending, have);
        const data = new Uint8Array(all.buffer, all.byteOffset, size).slice();
        pending = have > size ? [all.subarray(size)] : [];
        have -= size;
        yield { index, time: index * step, width: info.width, height: info.height, data };
        index++;
      }
    }
    const code = await closed;
    if (spawnError) throw spawnError;
    if (code !== 0) throw new VideoError(`${file}: ${lastLine(err, file) || `ffmpeg exited with ${code}`}`);
    finished = true;
  } finally {
    // Stopped early (the consumer broke off, or an error): ffmpeg goes too.
    if (!finished && child.exitCode === null) child.kill('SIGKILL');
  }
}
