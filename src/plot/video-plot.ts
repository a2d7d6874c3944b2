/**
 * The chart of a video's emotions (Vega-Lite): each person's 8 probabilities over time, one panel per
 * track, and the share of their frames in each top emotion.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { VideoFrameResult } from '../api/video.js';
import { EMOTION_COLORS } from '../data/colors.js';
import { EMOTIONS } from '../data/emotions.js';

export function videoPlotSpec(frames: VideoFrameResult[], title = 'emotions over time'): TopLevelSpec {
  const lines: { time: number; person: string; emotion: string; p: number }[] = [];
  const tops: { person: string; emotion: string }[] = [];
  for (const frame of frames)
    for (const f of frame.faces) {
      const person = `person ${f.track}`;
      for (const e of EMOTIONS) lines.push({ time: frame.time, person, emotion: e, p: f.probabilities[e] });
      tops.push({ person, emotion: f.emotion });
    }
  const color = {
    field: 'emotion',
    type: 'nominal',
    scale: { domain: [...EMOTIONS], range: EMOTIONS.map((e) => EMOTION_COLORS[e]) },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    vconcat: [
      {
        data: { values: lines },
        facet: { row: { field: 'person', type: 'nominal', title: null } },
        spec: {
          width: 640,
          height: 120,
          mark: { type: 'line', interpolate: 'monotone' },
          encoding: {
            x: { field: 'time', type: 'quantitative', title: 'seconds' },
            y: { field: 'p', type: 'quantitative', title: 'probability', scale: { domain: [0, 1] } },
            color,
          },
        },
      },
      {
        data: { values: tops },
        width: 640,
        title: 'share of frames by top emotion',
        mark: 'bar',
        encoding: {
          y: { field: 'person', type: 'nominal', title: null },
          x: { aggregate: 'count', stack: 'normalize', title: 'share of frames', axis: { format: '%' } },
          color,
        },
      },
    ],
    config: { background: 'white' },
  } as unknown as TopLevelSpec;
}
