/**
 * Annotated photos: each face's box, its top emotion and a bar chart of the 8 probabilities, drawn as one
 * Vega-Lite layer chart the size of the photo (rect, bar and text marks on pixel scales), rendered to
 * SVG and composited over the photo by sharp.
 */
import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import type { RecognizedFace } from '../api/recognizer.js';
import { EMOTION_COLORS } from '../data/colors.js';
import { EMOTIONS } from '../data/emotions.js';
import { renderSvg } from '../eval/charts.js';

export { EMOTION_COLORS };

interface Row {
  kind: 'box' | 'panel' | 'bar' | 'label' | 'title';
  x: number;
  y: number;
  x2?: number;
  y2?: number;
  text?: string;
  color?: string;
  size?: number;
}

/** Lays out every face's box, title and bar chart in image pixels. */
export function annotationRows(faces: RecognizedFace[], width: number, height: number): Row[] {
  const rows: Row[] = [];
  for (const f of faces) {
    const { x, y, width: w, height: h } = f.box;
    const color = EMOTION_COLORS[f.emotion];
    rows.push({ kind: 'box', x, y, x2: x + w, y2: y + h, color });
    const font = Math.max(11, Math.min(28, w / 7));
    const title = `${f.emotion} ${(100 * f.probabilities[f.emotion]).toFixed(0)}%`;
    rows.push({ kind: 'title', x, y: Math.max(font, y - font * 0.35), text: title, color, size: font });
    // The chart: one row per emotion under the box, else beside it (right, left), else above it.
    const rowH = Math.max(9, Math.min(22, h / 9));
    const labelW = rowH * 5;
    const barW = rowH * 5;
    const panelW = labelW + barW + rowH;
    const panelH = rowH * EMOTIONS.length + rowH * 0.5;
    const centredX = Math.min(Math.max(0, x + (w - panelW) / 2), Math.max(0, width - panelW));
    const besideY = Math.min(Math.max(0, y), Math.max(0, height - panelH));
    const [px, py] =
      y + h + 4 + panelH <= height
        ? [centredX, y + h + 4]
        : x + w + 6 + panelW <= width
          ? [x + w + 6, besideY]
          : x - 6 - panelW >= 0
            ? [x - 6 - panelW, besideY]
            : [centredX, Math.max(0, y - font * 1.4 - panelH)];
    rows.push({ kind: 'panel', x: px, y: py, x2: px + panelW, y2: py + panelH });
    EMOTIONS.forEach((e, i) => {
      const top = py + rowH * 0.25 + i * rowH;
      const p = f.probabilities[e];
      rows.push({
        kind: 'label',
        x: px + labelW - rowH * 0.3,
        y: top + rowH * 0.75,
        text: e,
        size: rowH * 0.75,
      });
      rows.push({
        kind: 'bar',
        x: px + labelW,
        y: top + rowH * 0.12,
        x2: px + labelW + Math.max(1, p * barW),
        y2: top + rowH * 0.88,
        color: EMOTION_COLORS[e],
      });
    });
  }
  return rows;
}

/** The overlay chart: pixel scales (y downwards), no axes, transparent background. */
export function annotationSpec(faces: RecognizedFace[], width: number, height: number): TopLevelSpec {
  const x = { type: 'quantitative', scale: { domain: [0, width], range: [0, width] }, axis: null } as const;
  const y = { type: 'quantitative', scale: { domain: [0, height], range: [0, height] }, axis: null } as const;
  const only = (kind: Row['kind']) => ({ filter: `datum.kind === '${kind}'` });
  const rect = (kind: Row['kind'], mark: Record<string, unknown>, colour: boolean) => ({
    transform: [only(kind)],
    mark: { type: 'rect', ...mark },
    encoding: {
      x: { field: 'x', ...x },
      x2: { field: 'x2' },
      y: { field: 'y', ...y },
      y2: { field: 'y2' },
      ...(colour
        ? { [mark.filled === false ? 'stroke' : 'color']: { field: 'color', type: 'nominal', scale: null } }
        : {}),
    },
  });
  const text = (kind: Row['kind'], mark: Record<string, unknown>, colour: boolean) => ({
    transform: [only(kind)],
    mark: { type: 'text', baseline: 'alphabetic', ...mark },
    encoding: {
      x: { field: 'x', ...x },
      y: { field: 'y', ...y },
      text: { field: 'text' },
      size: { field: 'size', type: 'quantitative', scale: null },
      ...(colour ? { color: { field: 'color', type: 'nominal', scale: null } } : {}),
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width,
    height,
    padding: 0,
    autosize: { type: 'none' },
    data: { values: annotationRows(faces, width, height) },
    layer: [
      rect('box', { filled: false, strokeWidth: Math.max(2, width / 500) }, true),
      rect('panel', { color: 'white', opacity: 0.8, cornerRadius: 3 }, false),
      rect('bar', {}, true),
      text('label', { align: 'right', color: '#222' }, false),
      text('title', { align: 'left', fontWeight: 'bold', stroke: 'white', strokeWidth: 0.6 }, true),
    ],
    config: { background: null as unknown as string, view: { stroke: null } },
  } as unknown as TopLevelSpec;
}

/** Draws the faces onto the image (any input sharp reads; EXIF-upright) and returns a PNG. */
export async function annotateImage(image: Buffer | string, faces: RecognizedFace[]): Promise<Buffer> {
  const upright = await sharp(image).rotate().toBuffer({ resolveWithObject: true });
  const { width, height } = upright.info;
  const svg = await renderSvg(annotationSpec(faces, width, height));
  return sharp(upright.data)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Draws the faces onto raw RGB pixels (a video frame) and returns raw RGB pixels of the same size. */
export async function annotateRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
  faces: RecognizedFace[],
): Promise<Uint8Array> {
  const svg = await renderSvg(annotationSpec(faces, width, height));
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
