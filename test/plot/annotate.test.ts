/** Annotated photos: each face's chart goes where it covers no face, on a strip beside a small photo. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RecognizedFace } from '../../src/api/recognizer.js';
import { EMOTIONS } from '../../src/data/emotions.js';
import { annotateImage, annotationLayout } from '../../src/plot/annotate.js';

function face(x: number, y: number, width: number, height: number): RecognizedFace {
  const probabilities = Object.fromEntries(EMOTIONS.map((e) => [e, e === 'happiness' ? 0.9 : 0.1 / 7]));
  return {
    box: { x, y, width, height },
    score: 0.9,
    landmarks: [],
    emotion: 'happiness',
    probabilities,
    attention: {},
  } as unknown as RecognizedFace;
}

const panels = (rows: ReturnType<typeof annotationLayout>['rows']) => rows.filter((r) => r.kind === 'panel');
const covers = (p: { x: number; y: number; x2?: number; y2?: number }, f: RecognizedFace) =>
  p.x < f.box.x + f.box.width &&
  f.box.x < (p.x2 ?? 0) &&
  p.y < f.box.y + f.box.height &&
  f.box.y < (p.y2 ?? 0);

describe('annotationLayout', () => {
  it('puts the chart of a face in a large photo under it, the canvas the photo', () => {
    const f = face(400, 100, 120, 140);
    const layout = annotationLayout([f], 1366, 768, true);
    expect([layout.width, layout.height]).toEqual([1366, 768]);
    const [p] = panels(layout.rows);
    expect(covers(p, f)).toBe(false);
    expect(p.y).toBeGreaterThan(240);
  });

  it('adds a strip beside a small photo whose face leaves no room, and keeps the title inside', () => {
    const f = face(110, 20, 95, 100);
    const layout = annotationLayout([f], 240, 135, true);
    expect(layout.width).toBeGreaterThan(240);
    const [p] = panels(layout.rows);
    expect(p.x).toBeGreaterThanOrEqual(240);
    expect(covers(p, f)).toBe(false);
    const title = layout.rows.find((r) => r.kind === 'title');
    expect((title?.x ?? 0) + 0.62 * (title?.size ?? 0) * (title?.text?.length ?? 0)).toBeLessThanOrEqual(
      240 + 1e-9,
    );
    // A video frame keeps its size: the chart then stays inside it.
    const frame = annotationLayout([f], 240, 135);
    expect([frame.width, frame.height]).toEqual([240, 135]);
    const [q] = panels(frame.rows);
    expect(q.x).toBeGreaterThanOrEqual(0);
    expect(q.x2).toBeLessThanOrEqual(240);
  });

  it('draws the widened photo: the photo on the left, white on the strip', async () => {
    const photo = await sharp({ create: { width: 240, height: 135, channels: 3, background: '#204060' } })
      .png()
      .toBuffer();
    const png = await annotateImage(photo, [face(110, 20, 95, 100)]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(annotationLayout([face(110, 20, 95, 100)], 240, 135, true).width);
    const px = (x: number, y: number) =>
      Array.from(
        data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
      );
    expect(px(5, 130)).toEqual([0x20, 0x40, 0x60]);
    expect(px(info.width - 2, info.height - 2)).toEqual([255, 255, 255]);
  });
});
