/** A figure of the RAN's regions drawn over a face (Vega-Lite: the face as a grey heat map, regions as boxes). */
import type { TopLevelSpec } from 'vega-lite';
import type { RegionBox } from '../../model/regions.js';

export function regionFigureSpec(
  face: Uint8Array,
  size: number,
  regions: RegionBox[],
  title: string,
  weights?: number[],
): TopLevelSpec {
  const pixels = Array.from(face, (v, i) => {
    const x = i % size;
    const y = Math.floor(i / size);
    return { x: x - 0.5, x2: x + 0.5, y: y - 0.5, y2: y + 0.5, v };
  });
  const boxes = regions.map((r, k) => ({
    region: weights ? `${r.name} (${weights[k].toFixed(2)})` : r.name,
    x: r.box[1] * size - 0.5 + k * 0.15,
    x2: r.box[3] * size - 0.5 - k * 0.15,
    y: r.box[0] * size - 0.5 + k * 0.15,
    y2: r.box[2] * size - 0.5 - k * 0.15,
  }));
  const axis = { domain: [-0.5, size - 0.5], nice: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: pixels },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: axis, axis: null },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', scale: { ...axis, reverse: true }, axis: null },
          y2: { field: 'y2' },
          color: {
            field: 'v',
            type: 'quantitative',
            scale: { range: ['black', 'white'], domain: [0, 255] },
            legend: null,
          },
        },
      },
      {
        data: { values: boxes },
        mark: { type: 'rect', fillOpacity: 0, strokeWidth: 2.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: axis, axis: null },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', scale: { ...axis, reverse: true }, axis: null },
          y2: { field: 'y2' },
          stroke: {
            field: 'region',
            type: 'nominal',
            scale: { scheme: 'category10' },
            sort: null,
            title: 'region',
          },
        },
      },
    ],
    config: { background: 'white', view: { stroke: null } },
  };
}
