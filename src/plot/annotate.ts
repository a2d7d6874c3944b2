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
import { renderSvg } from './charts.js';

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

/** The annotation of a photo: its rows, and the canvas they need (larger than the photo when a strip was added). */
export interface AnnotationLayout {
  rows: Row[];
  width: number;
  height: number;
}

const overlaps = (a: Box4, b: Box4) => a.x < b.x2 && b.x < a.x2 && a.y < b.y2 && b.y < a.y2;
interface Box4 {
  x: number;
  y: number;
  x2: number;
  y2: number;
}

/**
 * Lays out every face's box, title and bar chart in image pixels. A face's chart goes under its box, else
 * beside it (right, left), else above it, wherever it covers no face. Where none of those is free (a small
 * photo, a face that fills it), `extend` adds a white strip on the right of the photo for the chart; without
 * it (video frames keep their size) the chart goes where it covers the fewest faces.
 */
export function annotationLayout(
  faces: RecognizedFace[],
  width: number,
  height: number,
  extend = false,
): AnnotationLayout {
  const rows: Row[] = [];
  const boxes: Box4[] = faces.map((f) => ({
    x: f.box.x,
    y: f.box.y,
    x2: f.box.x + f.box.width,
    y2: f.box.y + f.box.height,
  }));
  let canvasW = width;
  let canvasH = height;
  let stripY = 6;
  for (const f of faces) {
    const { x, y, width: w, height: h } = f.box;
    const color = EMOTION_COLORS[f.emotion];
    rows.push({ kind: 'box', x, y, x2: x + w, y2: y + h, color });
    const font = Math.max(11, Math.min(28, w / 7));
    const title = `${f.emotion} ${(100 * f.probabilities[f.emotion]).toFixed(0)}%`;
    // Kept inside the photo: about 0.6 em a character in the bold sans-serif.
    const titleW = 0.62 * font * title.length;
    rows.push({
      kind: 'title',
      x: Math.max(0, Math.min(x, width - titleW)),
      y: Math.max(font, y - font * 0.35),
      text: title,
      color,
      size: font,
    });
    const rowH = Math.max(9, Math.min(22, h / 9));
    const labelW = rowH * 5;
    const barW = rowH * 5;
    const panelW = labelW + barW + rowH;
    const panelH = rowH * EMOTIONS.length + rowH * 0.5;
    const centredX = Math.min(Math.max(0, x + (w - panelW) / 2), Math.max(0, width - panelW));
    const besideY = Math.min(Math.max(0, y), Math.max(0, height - panelH));
    const candidates: [number, number][] = [
      [centredX, y + h + 4],
      [x + w + 6, besideY],
      [x - 6 - panelW, besideY],
      [centredX, y - font * 1.4 - panelH],
    ];
    const at = (c: [number, number]): Box4 => ({ x: c[0], y: c[1], x2: c[0] + panelW, y2: c[1] + panelH });
    const inside = (r: Box4) => r.x >= 0 && r.y >= 0 && r.x2 <= width && r.y2 <= height;
    const covered = (r: Box4) => boxes.filter((b) => overlaps(r, b)).length;
    let spot = candidates.find((c) => inside(at(c)) && covered(at(c)) === 0);
    if (!spot && extend) {
      spot = [width + 6, stripY];
      stripY += panelH + 6;
      canvasW = Math.max(canvasW, width + panelW + 12);
      canvasH = Math.max(canvasH, stripY);
    }
    if (!spot) {
      const fits = candidates.map((c): [number, number] => [
        Math.min(Math.max(0, c[0]), Math.max(0, width - panelW)),
        Math.min(Math.max(0, c[1]), Math.max(0, height - panelH)),
      ]);
      spot = fits.reduce((best, c) => (covered(at(c)) < covered(at(best)) ? c : best));
    }
    const [px, py] = spot;
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
  return { rows, width: Math.ceil(canvasW), height: Math.ceil(canvasH) };
}

/** The overlay chart of a layout: pixel scales (y downwards), no axes, transparent background. */
export function annotationSpec(layout: AnnotationLayout): TopLevelSpec {
  const { width, height } = layout;
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
    data: { values: layout.rows },
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

/**
 * Draws the faces onto the image (any input sharp reads; EXIF-upright) and returns a PNG: the photo's size,
 * or wider (a white strip on the right) when a chart has no free place beside its face.
 */
export async function annotateImage(image: Buffer | string, faces: RecognizedFace[]): Promise<Buffer> {
  const upright = await sharp(image).rotate().toBuffer({ resolveWithObject: true });
  const layout = annotationLayout(faces, upright.info.width, upright.info.height, true);
  const svg = await renderSvg(annotationSpec(layout));
  return sharp(upright.data)
    .extend({
      right: layout.width - upright.info.width,
      bottom: layout.height - upright.info.height,
      background: '#ffffff',
    })
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
  const svg = await renderSvg(annotationSpec(annotationLayout(faces, width, height)));
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
