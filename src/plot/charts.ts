/**
 * Charts rendered through Vega-Lite: specs here, SVG from vega's headless view, PNG from the SVG by sharp.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A confusion matrix as a heat map with counts, rows = actual class, columns = predicted class. */
export function confusionSpec(
  confusion: number[][],
  classes: readonly string[],
  title: string,
): TopLevelSpec {
  const values = confusion.flatMap((row, a) => {
    const total = row.reduce((s, v) => s + v, 0) || 1;
    return row.map((count, p) => ({ actual: classes[a], predicted: classes[p], count, rate: count / total }));
  });
  const order = [...classes];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    width: 320,
    height: 320,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted' },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'actual' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'rate',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            title: 'row share',
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.rate > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { background: 'white', view: { stroke: null } },
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes a chart as PNG (or SVG when the file name ends in .svg). */
export async function writeChart(spec: TopLevelSpec, file: string): Promise<void> {
  const svg = await renderSvg(spec);
  if (file.toLowerCase().endsWith('.svg')) {
    const { writeFileAtomic } = await import('../util/atomic.js');
    await writeFileAtomic(file, svg);
    return;
  }
  await sharp(Buffer.from(svg), { density: 144 }).png().toFile(file);
}
