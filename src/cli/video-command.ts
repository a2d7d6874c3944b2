/**
 * `ranfer video INPUT`: the emotions of a video's faces over time. A CSV row per frame and face (time,
 * track, box, the 8 probabilities, the top emotion), written as each frame is done; JSON at the end (or
 * on Ctrl-C, with the frames done so far); a summary per track.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RecognizerConfig } from '../api/recognizer.js';
import type { VideoFrameResult } from '../api/video.js';
import { EMOTIONS, type Emotion } from '../data/emotions.js';
import type { DetectorKind } from '../face/detector.js';
import type { VideoWriter } from '../video/encode.js';
import { engineOption, faceApiWeightOption, modelsOption, priorWeightOption } from './defaults.js';
import { UsageError } from './errors.js';
import { checkOutputFile } from './output-paths.js';
import { fraction, positiveInt, positiveNumber } from './parse.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

export const VIDEO_CSV_HEADER = [
  'time',
  'frame',
  'track',
  'x',
  'y',
  'width',
  'height',
  'score',
  ...EMOTIONS,
  'emotion',
];

const r = (v: number, digits: number) => Number(v.toFixed(digits));

/** The CSV rows of one frame: a row per face. */
export function videoCsvRows(frame: VideoFrameResult): string {
  return frame.faces
    .map(
      (f) =>
        `${[
          r(frame.time, 3),
          frame.index,
          f.track,
          r(f.box.x, 1),
          r(f.box.y, 1),
          r(f.box.width, 1),
          r(f.box.height, 1),
          r(f.score, 4),
          ...EMOTIONS.map((e) => r(f.probabilities[e], 5)),
          f.emotion,
        ].join(',')}\n`,
    )
    .join('');
}

/** Per track: the frames it was seen in, and the share of them with each top emotion. */
export function trackSummary(
  frames: VideoFrameResult[],
): Map<number, { frames: number; share: Record<Emotion, number> }> {
  const out = new Map<number, { frames: number; share: Record<Emotion, number> }>();
  for (const frame of frames)
    for (const f of frame.faces) {
      let t = out.get(f.track);
      if (!t) {
        t = { frames: 0, share: Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number> };
        out.set(f.track, t);
      }
      t.frames++;
      t.share[f.emotion]++;
    }
  for (const t of out.values()) for (const e of EMOTIONS) t.share[e] /= t.frames;
  return out;
}

export function registerVideoCommand(program: Command): void {
  program
    .command('video')
    .description(SUMMARIES.video)
    .argument('<input>', 'a video file ffmpeg can read')
    .option('--every <n>', 'read every n-th frame', positiveInt)
    .option('--fps <f>', 'read frames at this rate instead (frames per second)', positiveNumber)
    .option(
      '--csv <file>',
      'a row per frame and face: time, frame, track, box, score, the 8 probabilities, emotion',
    )
    .option('--json <file>', 'every frame with its faces, as JSON')
    .option('--plot <file>', "each person's emotions over time and their shares, as PNG (or SVG: .svg)")
    .option(
      '--annotate <file>',
      'a video of the frames read with boxes, emotions and bars drawn (audio kept)',
    )
    .option('--smooth <n>', "average each person's probabilities over their last n frames", positiveInt, 1)
    .option(
      '--confirm-frames <n>',
      'frames a face must be followed on before it counts as a person (1: at once)',
      positiveInt,
      3,
    )
    .option(
      '--confirm-score <s>',
      "detection score one of a person's first faces must reach, 0..1 (boxes found only at lower scores are not persons)",
      fraction,
      0.5,
    )
    .option('--detector <kind>', 'face detector: tiny or ssd', 'tiny')
    .option(
      '--detect-every <n>',
      'detect faces on one frame read in n and follow them by their landmarks on the others (faster; new faces appear at detections)',
      positiveInt,
      1,
    )
    .addOption(priorWeightOption())
    .addOption(faceApiWeightOption())
    .addOption(engineOption())
    .addOption(modelsOption())
    .action(videoAction);
}

interface VideoOpts {
  every?: number;
  fps?: number;
  csv?: string;
  json?: string;
  plot?: string;
  annotate?: string;
  smooth: number;
  confirmFrames: number;
  confirmScore: number;
  detector: string;
  detectEvery: number;
  model: string | string[];
  priorWeight?: number;
  faceApiWeight?: number;
  backend: RecognizerConfig['backend'];
}

/** What reading a video gave: its frames, whether it was stopped, and what its header promised. */
interface VideoRun {
  frames: VideoFrameResult[];
  stopped: boolean;
  /** Frames the header's duration promises at the sampling rate (0: unknown). */
  total: number;
  duration: number;
  seconds: number;
}

async function videoAction(input: string, opts: VideoOpts): Promise<void> {
  await checkVideoArgs(input, opts);
  reportVideo(input, await readVideo(input, opts));
}

/** Every argument and output path checked before a frame is read. */
async function checkVideoArgs(input: string, opts: VideoOpts): Promise<void> {
  if (opts.every && opts.fps) throw new UsageError('give --every or --fps, not both');
  if (!existsSync(input)) throw new UsageError(`${input}: no such file`);
  if (opts.detector !== 'tiny' && opts.detector !== 'ssd')
    throw new UsageError(`--detector must be tiny or ssd, got "${opts.detector}"`);
  for (const [option, file] of [
    ['--csv', opts.csv],
    ['--json', opts.json],
    ['--plot', opts.plot],
    ['--annotate', opts.annotate],
  ] as const)
    if (file) await checkOutputFile(file, option);
}

/**
 * Reads the video frame by frame into the asked outputs (CSV rows as they come; JSON, plot and annotated
 * video of the frames read, also after Ctrl-C or a write error).
 */
async function readVideo(input: string, opts: VideoOpts): Promise<VideoRun> {
  const { recognizeVideo } = await import('../api/video.js');
  const { writeChart } = await import('../plot/charts.js');
  const { annotateRgb } = await import('../plot/annotate.js');
  const { videoPlotSpec } = await import('../plot/video-plot.js');
  const { VideoError, effectiveSampling } = await import('../video/decode.js');
  const { writeVideo } = await import('../video/encode.js');
  let stop = false;
  const csv = opts.csv ? createWriteStream(opts.csv) : undefined;
  // A write error later (a full disk) ends the run; the JSON and plot of the frames done are kept.
  let csvError: Error | undefined;
  csv?.on('error', (err) => {
    csvError ??= err;
    stop = true;
  });
  csv?.write(`${VIDEO_CSV_HEADER.join(',')}\n`);
  const frames: VideoFrameResult[] = [];
  const onSigint = () => {
    stop = true;
  };
  process.once('SIGINT', onSigint);
  const bar = progressBar('video');
  let total = 0;
  let rate = 0;
  let duration = 0;
  let writer: VideoWriter | undefined;
  const t0 = performance.now();
  try {
    for await (const frame of recognizeVideo(input, {
      every: opts.every,
      fps: opts.fps,
      smooth: opts.smooth,
      confirmFrames: opts.confirmFrames,
      confirmScore: opts.confirmScore,
      detector: opts.detector as DetectorKind,
      detectEvery: opts.detectEvery,
      modelDir: opts.model,
      backend: opts.backend,
      priorWeight: opts.priorWeight,
      faceApiWeight: opts.faceApiWeight,
      onInfo: (info) => {
        const sampling = effectiveSampling(info, { every: opts.every, fps: opts.fps });
        if (sampling.capped)
          console.error(
            `ranfer: --fps ${opts.fps} is above the video's own ${Number(info.fps.toFixed(3))} frames/s: reading every frame`,
          );
        const step = sampling.fps ? 1 / sampling.fps : (sampling.every ?? 1) / info.fps;
        rate = 1 / step;
        total = info.duration ? Math.max(1, Math.round(info.duration / step)) : 0;
        duration = info.duration ?? 0;
      },
    })) {
      const { data, width, height } = frame.image;
      if (opts.annotate) {
        writer ??= writeVideo(opts.annotate, width, height, rate, input);
        await writer.write(await annotateRgb(data, width, height, frame.faces));
      }
      frames.push({ ...frame, image: { data: new Uint8Array(0), width, height } });
      csv?.write(videoCsvRows(frame));
      const fps = frames.length / ((performance.now() - t0) / 1000);
      bar.update(frames.length, Math.max(total, frames.length), `${fps.toFixed(1)} frames/s`);
      if (stop) break;
    }
  } catch (err) {
    if (err instanceof VideoError) throw new UsageError(err.message);
    throw err;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
    if (csv && !csvError) await new Promise<void>((resolve) => csv.end(resolve));
    if (opts.json) await writeFile(opts.json, `${JSON.stringify(frames.map(frameJson))}\n`);
    if (opts.plot && frames.length) await writeChart(videoPlotSpec(frames, input), opts.plot);
    await writer?.close();
  }
  if (csvError) throw new UsageError(`--csv ${opts.csv}: ${(csvError as Error).message}`);
  return { frames, stopped: stop, total, duration, seconds: (performance.now() - t0) / 1000 };
}

/** The run's speed, a warning when the video ended before its header's duration, and each person's emotions. */
function reportVideo(input: string, { frames, stopped, total, duration, seconds }: VideoRun): void {
  // Fewer frames than the container's duration promises: the file was cut short.
  if (!stopped && total > 0 && frames.length < 0.95 * total - 1) {
    const at = frames.length ? frames[frames.length - 1].time : 0;
    console.error(
      `ranfer: ${input} ended at ${at.toFixed(1)} s of the ${duration.toFixed(1)} s its header states (${frames.length} of ${total} frames): it may be truncated`,
    );
  }
  const videoSec = frames.length ? frames[frames.length - 1].time : 0;
  console.log(
    `${frames.length} frames in ${seconds.toFixed(1)} s (${(frames.length / seconds).toFixed(1)} frames/s${videoSec > 0 ? `, ${(seconds / videoSec).toFixed(2)} s per second of video` : ''})${stopped ? ', stopped' : ''}`,
  );
  for (const [track, t] of trackSummary(frames)) {
    const shares = EMOTIONS.filter((e) => t.share[e] > 0)
      .sort((a, b) => t.share[b] - t.share[a])
      .map((e) => `${e} ${(100 * t.share[e]).toFixed(0)}%`);
    console.log(`person ${track}: ${t.frames} frames; ${shares.join(', ')}`);
  }
}

/** A frame as JSON: its faces without their aligned pixels, rounded like `predict --json`. */
function frameJson(frame: VideoFrameResult) {
  return {
    index: frame.index,
    time: r(frame.time, 3),
    faces: frame.faces.map((f) => ({
      track: f.track,
      box: { x: r(f.box.x, 1), y: r(f.box.y, 1), width: r(f.box.width, 1), height: r(f.box.height, 1) },
      score: r(f.score, 4),
      emotion: f.emotion,
      probabilities: Object.fromEntries(EMOTIONS.map((e) => [e, r(f.probabilities[e], 5)])),
    })),
  };
}
