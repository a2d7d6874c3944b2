/**
 * `recognizeVideo(path, options)`: the faces and emotions of a video's frames, as an async iterator.
 * Frames stream from ffmpeg one at a time; faces are followed across frames with a track id per person.
 */
import { EMOTIONS, type Emotion } from '../data/emotions.js';
import { type FrameSampling, probeVideo, type VideoInfo, videoFrames } from '../video/decode.js';
import { FaceTracker, type TrackerOptions } from '../video/track.js';
import { FollowSchedule } from './follow-schedule.js';
import type { RecognizedFace } from './pipeline.js';
import { createRecognizer, type Recognizer, type RecognizerConfig } from './recognizer.js';

/** A face of a video frame: a recognised face with the id of the track that follows it. */
export interface TrackedFace extends RecognizedFace {
  /** The same number on every frame where the same person is seen (from 1). */
  track: number;
}

export interface VideoFrameResult {
  /** 0, 1, 2... among the frames read. */
  index: number;
  /** Seconds from the start of the video. */
  time: number;
  faces: TrackedFace[];
  /** The frame itself: RGB, 3 bytes per pixel (to draw on, or to save). */
  image: { data: Uint8Array; width: number; height: number };
}

export interface RecognizeVideoOptions extends RecognizerConfig, FrameSampling, TrackerOptions {
  /** A recognizer to use (left open); by default one is created from the options and disposed at the end. */
  recognizer?: Recognizer;
  /** Receives the video's size, rate and length before the first frame. */
  onInfo?: (info: VideoInfo) => void;
  /**
   * The face detector runs on one frame read in this many; on the others each face is followed from the
   * frame before by its landmarks (`Recognizer.follow`), and a frame that loses a face is followed by a
   * detection (default 1: every frame detected). Frames read far apart (a low `fps`) follow less well.
   */
  detectEvery?: number;
}

/**
 * Every frame of a video (or every n-th, or resampled to `fps`) with its faces. A face is reported once its
 * track is confirmed as a person (`confirmFrames` frames, one of them scored `confirmScore` or more:
 * by default 3 and 0.5), so a person's first frames and boxes the detector finds only now and then or at
 * a low score are left out. `smooth` averages each track's probabilities over its last frames; `emotion`
 * is then the top of the smoothed probabilities.
 * Throws `VideoError` for an unreadable video or a missing ffmpeg.
 */
export async function* recognizeVideo(
  file: string,
  options: RecognizeVideoOptions = {},
): AsyncGenerator<VideoFrameResult> {
  const info = await probeVideo(file);
  options.onInfo?.(info);
  const tracker = new FaceTracker(options);
  const schedule = new FollowSchedule(options.detectEvery ?? 1);
  const own = !options.recognizer;
  // Frames of a video share one orientation: no turned retries on each frame without a face.
  const fer = options.recognizer ?? (await createRecognizer({ rotations: false, ...options }));
  try {
    for await (const frame of videoFrames(file, info, options)) {
      const faces = await schedule.next(fer, {
        data: frame.data,
        width: frame.width,
        height: frame.height,
        channels: 3 as const,
      });
      const tracked = tracker.update(
        faces.map((f) => ({
          box: f.box,
          score: f.score,
          probabilities: EMOTIONS.map((e) => f.probabilities[e]),
        })),
      );
      yield {
        index: frame.index,
        time: frame.time,
        image: { data: frame.data, width: frame.width, height: frame.height },
        // Faces of tracks not yet confirmed as persons are left out (video/track.ts).
        faces: faces.flatMap((f, i) => {
          if (tracked[i].track === 0) return [];
          const p = tracked[i].probabilities;
          const probabilities = Object.fromEntries(EMOTIONS.map((e, c) => [e, p[c]])) as Record<
            Emotion,
            number
          >;
          const top = p.indexOf(Math.max(...p));
          return [{ ...f, track: tracked[i].track, probabilities, emotion: EMOTIONS[top] }];
        }),
      };
    }
  } finally {
    if (own) fer.dispose();
  }
}
