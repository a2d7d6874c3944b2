/**
 * Writing a video with ffmpeg: raw RGB frames go down a pipe, one at a time, and are encoded as H.264;
 * the audio of a source video, when it has any, is copied alongside.
 */
import { spawn } from 'node:child_process';
import { MissingProgramError, VideoError } from './decode.js';

export interface VideoWriter {
  /** Writes one frame (RGB, 3 bytes per pixel), waiting while the pipe is full. */
  write(rgb: Uint8Array): Promise<void>;
  /** Ends the stream and waits for ffmpeg to finish the file. */
  close(): Promise<void>;
}

/** Starts ffmpeg writing `out` from frames of `width` x `height` at `fps`, with `audioFrom`'s audio. */
export function writeVideo(
  out: string,
  width: number,
  height: number,
  fps: number,
  audioFrom?: string,
): VideoWriter {
  const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`];
  args.push('-r', String(fps), '-i', 'pipe:0');
  if (audioFrom) args.push('-i', audioFrom, '-map', '0:v', '-map', '1:a?', '-c:a', 'copy', '-shortest');
  // H.264 wants even sides.
  args.push('-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out);
  const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  let failure: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      failure = e.code === 'ENOENT' ? new MissingProgramError('ffmpeg') : e;
      reject(failure);
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        failure ??= new VideoError(
          `${out}: ${err.trim().split('\n').at(-1) || `ffmpeg exited with ${code}`}`,
        );
        reject(failure);
      }
    });
  });
  done.catch(() => {});
  child.stdin.on('error', () => {}); // reported through `done`
  return {
    async write(rgb) {
      if (failure) throw failure;
      if (!child.stdin.write(rgb)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    },
    async close() {
      child.stdin.end();
      await done;
    },
  };
}
