/**
 * Videos through ffmpeg (Debian's, installed by .ci/run): a clip the test makes from a shared photo, read
 * by recognizeVideo and `ranfer video`; the frames' faces match those of the same frames as photos.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecognizer,
  EMOTIONS,
  type Recognizer,
  recognizeVideo,
  type VideoFrameResult,
} from '../../src/index.js';
import { ranfer } from '../cli/run.js';
import { PHOTOS } from '../helpers.js';

const run = promisify(execFile);
let dir: string;
let clip: string;
let fer: Recognizer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-video-'));
  clip = path.join(dir, 'happy.mp4');
  // 2 s at 5 frames/s of a still face, 640x480, with a tone as its sound.
  await run('ffmpeg', [
    ...[
      '-v',
      'error',
      '-loop',
      '1',
      '-i',
      path.join(PHOTOS, 'happy.jpg'),
      '-f',
      'lavfi',
      '-i',
      'sine=duration=2',
    ],
    ...['-t', '2', '-r', '5'],
    ...['-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2'],
    ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', clip],
  ]);
  fer = await createRecognizer({ backend: 'wasm' });
}, 120_000);
afterAll(async () => {
  fer?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function all(it: AsyncIterable<VideoFrameResult>): Promise<VideoFrameResult[]> {
  const out: VideoFrameResult[] = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('recognizeVideo', () => {
  it('reads every frame, follows the still face on one track, and matches the frame read as a photo', async () => {
    let size = '';
    const frames = await all(
      recognizeVideo(clip, { recognizer: fer, onInfo: (i) => (size = `${i.width}x${i.height} ${i.fps}`) }),
    );
    expect(size).toBe('640x480 5');
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames[3].time).toBeCloseTo(0.6, 10);
    // The face counts as a person from its third frame on (confirmFrames 3).
    for (const f of frames) {
      const expected = f.index < 2 ? [] : [[1, 'happiness']];
      expect(f.faces.map((face) => [face.track, face.emotion])).toEqual(expected);
    }
    // Frame 4 as a PNG (the same decoded pixels): the same face and probabilities.
    const png = path.join(dir, 'frame4.png');
    await run('ffmpeg', ['-v', 'error', '-i', clip, '-vf', 'select=eq(n\\,4)', '-frames:v', '1', png]);
    const [photo] = await fer.recognize(png);
    const [face] = frames[4].faces;
    for (const e of EMOTIONS) expect(face.probabilities[e]).toBeCloseTo(photo.probabilities[e], 4);
    expect(face.box.x).toBeCloseTo(photo.box.x, 1);
  });

  it('detects on one frame in three and follows the face between: the same faces, the detector run 4 times in 10', async () => {
    const detected = await all(recognizeVideo(clip, { recognizer: fer }));
    const calls = { recognize: 0, follow: 0 };
    const counting = new Proxy(fer, {
      get(target, key) {
        const v = Reflect.get(target, key);
        if (key === 'recognize' || key === 'follow')
          return (...args: unknown[]) => {
            calls[key]++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const followed = await all(recognizeVideo(clip, { recognizer: counting, detectEvery: 3 }));
    expect(calls).toEqual({ recognize: 4, follow: 6 });
    expect(followed.map((f) => f.faces.map((face) => [face.track, face.emotion]))).toEqual(
      detected.map((f) => f.faces.map((face) => [face.track, face.emotion])),
    );
    for (const [i, f] of followed.entries())
      for (const [j, face] of f.faces.entries())
        expect(Math.abs(face.box.x - detected[i].faces[j].box.x)).toBeLessThan(2);
  });

  it('reads every n-th frame, or frames at a rate', async () => {
    const every = await all(recognizeVideo(clip, { recognizer: fer, every: 3 }));
    expect(every.map((f) => [f.index, Number(f.time.toFixed(3))])).toEqual([
      [0, 0],
      [1, 0.6],
      [2, 1.2],
      [3, 1.8],
    ]);
    const slow = await all(recognizeVideo(clip, { recognizer: fer, fps: 2 }));
    expect(slow.length).toBe(4);
    expect(slow[1].time).toBeCloseTo(0.5, 10);
  });
});

describe('ranfer video', () => {
  it('writes a CSV row per frame and face, JSON, a plot and an annotated video with the sound, and sums up each person', async () => {
    const csv = path.join(dir, 'out.csv');
    const json = path.join(dir, 'out.json');
    const plot = path.join(dir, 'plot.png');
    const annotated = path.join(dir, 'annotated.mp4');
    const r = await ranfer(
      ...[
        'video',
        clip,
        '--fps',
        '2.5',
        '--csv',
        csv,
        '--json',
        json,
        '--smooth',
        '3',
        '--confirm-frames',
        '1',
      ],
      ...['--plot', plot, '--annotate', annotated],
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(plot)).subarray(1, 4).toString()).toBe('PNG');
    const probe = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,width,height,nb_read_frames'],
      ...['-of', 'json', annotated],
    ]);
    const streams = (JSON.parse(probe.stdout) as { streams: Record<string, string | number>[] }).streams;
    expect(streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
    const video = streams.find((st) => st.codec_type === 'video');
    expect([video?.width, video?.height, Number(video?.nb_read_frames)]).toEqual([640, 480, 5]);
    // The boxes are drawn: the annotated first frame differs from the clip's.
    const frame0 = async (file: string) =>
      (
        await run(
          'ffmpeg',
          ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
          { encoding: 'buffer', maxBuffer: 2 ** 24 },
        )
      ).stdout as unknown as Buffer;
    const [a, b] = [await frame0(clip), await frame0(annotated)];
    let changed = 0;
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 40) changed++;
    expect(changed).toBeGreaterThan(2000);
    expect(r.stdout).toMatch(/^5 frames in [\d.]+ s \([\d.]+ frames\/s, [\d.]+ s per second of video\)$/m);
    expect(r.stdout).toContain('person 1: 5 frames; happiness 100%');
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe(`time,frame,track,x,y,width,height,score,${EMOTIONS.join(',')},emotion`);
    expect(rows.slice(1).map((row) => row.split(',').slice(1, 3).join())).toEqual([
      '0,1',
      '1,1',
      '2,1',
      '3,1',
      '4,1',
    ]);
    expect(rows.slice(1).every((row) => row.endsWith(',happiness'))).toBe(true);
    const frames = JSON.parse(await readFile(json, 'utf8')) as { time: number; faces: { track: number }[] }[];
    expect(frames.map((f) => f.time)).toEqual([0, 0.4, 0.8, 1.2, 1.6]);
  });

  it('weighs the prior and mixes in FaceExpressionNet as asked (--prior-weight, --face-api-weight)', async () => {
    const json = path.join(dir, 'fa.json');
    const r = await ranfer(
      ...['video', clip, '--every', '5', '--face-api-weight', '1', '--json', json, '--confirm-frames', '1'],
    );
    expect(r.code, r.stderr).toBe(0);
    type Frames = { faces: { probabilities: Record<string, number> }[] }[];
    const faces = (JSON.parse(await readFile(json, 'utf8')) as Frames).flatMap((f) => f.faces);
    expect(faces).toHaveLength(2);
    // FaceExpressionNet alone knows no contempt.
    for (const f of faces) expect(f.probabilities.contempt).toBe(0);
    const bad = await ranfer('video', clip, '--prior-weight', '-1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a number of 0 or more, got "-1"');
  });

  it('counts the 4 people of a group photo, each from its third frame; a blank wall has none', async () => {
    // 5 s at 10 frames/s of bbt1.jpg scaled to 640 px. The detector also finds boxes inside faces on some
    // frames, merged into their faces; tracks unconfirmed after 3 frames with a score of 0.5
    // (video/track.test.ts) would not be persons either.
    const group = path.join(dir, 'bbt.mp4');
    await run('ffmpeg', [
      ...['-v', 'error', '-loop', '1', '-i', path.join(PHOTOS, 'bbt1.jpg'), '-t', '5', '-r', '10'],
      ...['-vf', 'scale=640:-2', '-pix_fmt', 'yuv420p', group],
    ]);
    const people = await ranfer('video', group);
    expect(people.code, people.stderr).toBe(0);
    expect(people.stdout.match(/^person \d+: \d+ frames/gm)).toEqual([
      'person 1: 48 frames',
      'person 2: 48 frames',
      'person 3: 48 frames',
      'person 4: 48 frames',
    ]);
    // Every box a person at once: the same 4, seen from the first frame.
    const boxes = await ranfer('video', group, '--confirm-frames', '1', '--confirm-score', '0');
    expect(boxes.stdout.match(/^person \d+: \d+ frames/gm)).toEqual([
      'person 1: 50 frames',
      'person 2: 50 frames',
      'person 3: 50 frames',
      'person 4: 50 frames',
    ]);
    const wall = path.join(dir, 'wall.mp4');
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'color=c=0xd8d0c0:s=640x480:d=10:r=5,noise=alls=12:allf=t'],
      ...['-pix_fmt', 'yuv420p', wall],
    ]);
    const none = await ranfer('video', wall);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/^50 frames in /m);
    expect(none.stdout).not.toMatch(/^person/m);
  }, 300_000); // 100 frames through the detector: ~50 s on an idle 2-core machine, far more on a busy one

  it('checks every output path before reading a frame, and keeps the JSON when the CSV cannot be written', async () => {
    for (const [option, file, message] of [
      ['--csv', '/nonexistent/x.csv', 'no folder /nonexistent'],
      ['--json', dir, 'a folder is there; give a file name'],
      ['--plot', '/nonexistent/p.png', 'no folder /nonexistent'],
      ['--annotate', '/nonexistent/a.mp4', 'no folder /nonexistent'],
    ]) {
      const r = await ranfer('video', clip, option, file);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`ranfer: ${option} ${file}: ${message}`);
    }
    // /dev/full takes the header, then every write fails (no space left): the run stops, says so in one
    // line, and the frames done are in the JSON.
    const json = path.join(dir, 'kept.json');
    const full = await ranfer('video', clip, '--csv', '/dev/full', '--json', json, '--confirm-frames', '1');
    expect(full.code).toBe(1);
    expect(full.stderr.trim()).toMatch(/^ranfer: --csv \/dev\/full: ENOSPC/);
    const kept = JSON.parse(await readFile(json, 'utf8')) as unknown[];
    expect(kept.length).toBeGreaterThan(0);
  });

  it('caps --fps at the video rate, says when a video ends before its header says, names a bad file once', async () => {
    const fast = await ranfer('video', clip, '--fps', '1000');
    expect(fast.code, fast.stderr).toBe(0);
    expect(fast.stderr).toContain(
      "ranfer: --fps 1000 is above the video's own 5 frames/s: reading every frame",
    );
    expect(fast.stdout).toMatch(/^10 frames in /m);
    // 10 s of a test pattern at 5 frames/s, its header first, cut in half.
    const long = path.join(dir, 'long.mp4');
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=5:duration=10'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', long],
    ]);
    const bytes = await readFile(long);
    const cut = path.join(dir, 'cut.mp4');
    await writeFile(cut, bytes.subarray(0, bytes.length / 2));
    const r = await ranfer('video', cut);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^ranfer: ${cut} ended at [\\d.]+ s of the 10\\.0 s its header states \\(\\d+ of 50 frames\\): it may be truncated$`,
        'm',
      ),
    );
    const bad = path.join(dir, 'bad.mp4');
    await writeFile(bad, 'not a video');
    const b = await ranfer('video', bad);
    expect(b.code).toBe(1);
    expect(b.stderr.trim()).toBe(`ranfer: ${bad}: Invalid data found when processing input`);
  });

  it('says in one line what is wrong: a missing file, --every with --fps, no ffmpeg', async () => {
    const missing = await ranfer('video', path.join(dir, 'nope.mp4'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`ranfer: ${path.join(dir, 'nope.mp4')}: no such file`);
    const both = await ranfer('video', clip, '--every', '2', '--fps', '1');
    expect(both.stderr.trim()).toBe('ranfer: give --every or --fps, not both');
    const main = path.resolve(import.meta.dirname, '../../dist/cli/main.js');
    const noFfmpeg = await run(process.execPath, [main, 'video', clip], {
      env: { PATH: '/nonexistent' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((noFfmpeg as { code: number }).code).toBe(1);
    expect((noFfmpeg as { stderr: string }).stderr.trim()).toBe(
      'ranfer: ffprobe was not found: install ffmpeg (e.g. apt-get install ffmpeg) to read videos',
    );
  });
});
