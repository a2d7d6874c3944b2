/**
 * `ranfer report`: one self-contained HTML page about a model on FERPlus: the accuracy table (test and
 * the occlusion / pose subsets), confusion matrices and mean region attention as Vega-Lite charts
 * (inline SVG), and a gallery like the original work's: faces with their region crops and attention
 * weights, predicted against actual emotion, right and wrong, on plain, occluded and turned faces.
 */
import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { EMOTION_COLORS } from '../../data/colors.js';
import { EMOTIONS } from '../../data/emotions.js';
import type { RegionBox } from '../../model/regions.js';
import { confusionSpec, renderSvg } from '../../plot/charts.js';
import { Rng } from '../../util/rng.js';
import { IMAGE_SIZE } from '../data/ferplus.js';
import type { EvalDetails, EvalReport } from '../eval/evaluate.js';

export interface ReportOptions {
  title: string;
  modelDir: string;
  /** The model's fixed regions (for the gallery's crops). */
  regions: RegionBox[];
  /** Right and wrong examples per set in the gallery (default 4 each). */
  examplesPerKind?: number;
  seed?: number;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(2)}%`);

const SET_TITLES: Record<string, string> = {
  test: 'FERPlus test',
  valid: 'FERPlus validation',
  occlusion: 'Occlusion (605)',
  pose30: 'Head pose > 30° (1,170)',
  pose45: 'Head pose > 45° (633)',
};

function accuracyTable(reports: EvalReport[]): string {
  const head = ['set', 'images', 'accuracy', 'balanced accuracy', 'macro-F1', ...EMOTIONS]
    .map((h) => `<th>${h}</th>`)
    .join('');
  const rows = reports
    .map(
      (r) =>
        `<tr><td>${escapeHtml(SET_TITLES[r.set] ?? r.set)}</td><td>${r.count}</td><td><b>${pct(r.accuracy)}</b></td>` +
        `<td>${pct(r.balancedAccuracy)}</td><td>${r.macroF1.toFixed(3)}</td>${EMOTIONS.map((e) => `<td>${pct(r.perClassAccuracy[e])}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table class="acc"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function attentionSpec(reports: EvalReport[]): TopLevelSpec | null {
  const values = reports.flatMap((r) =>
    Object.entries(r.meanAttention ?? {}).map(([region, weight]) => ({ set: r.set, region, weight })),
  );
  if (values.length === 0) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Mean attention weight (μ·ν) per region',
    data: { values },
    mark: 'bar',
    width: 90,
    height: 160,
    encoding: {
      column: { field: 'set', type: 'nominal', title: null, sort: reports.map((r) => r.set) },
      x: { field: 'region', type: 'nominal', sort: null, title: null },
      y: { field: 'weight', type: 'quantitative', title: 'weight' },
      color: { field: 'region', type: 'nominal', sort: null, legend: null },
    },
    config: { background: 'white' },
  };
}

async function pngDataUri(
  pixels: Uint8Array,
  size: number,
  box: RegionBox['box'],
  out: number,
): Promise<string> {
  const [t, l, b, r] = box.map((v) => Math.round(v * size));
  const png = await sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
    .extract({ left: l, top: t, width: r - l, height: b - t })
    .resize(out, out, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

interface Example {
  image: number;
  actual: number;
  predicted: number;
  confidence: number;
}

/** Seeded choice of `k` right and `k` wrong predictions of a set. */
function pickExamples(details: EvalDetails, setIndex: number, k: number, seed: number): Example[] {
  const { set } = details.sets[setIndex];
  const classes = EMOTIONS.length;
  const all: Example[] = Array.from(set.indices, (image, i) => {
    const row = details.row.get(image) ?? 0;
    const p = details.probs.subarray(row * classes, (row + 1) * classes);
    let predicted = 0;
    for (let c = 1; c < classes; c++) if (p[c] > p[predicted]) predicted = c;
    return { image, actual: set.labels[i], predicted, confidence: p[predicted] };
  });
  const shuffled = [...all];
  new Rng(seed + setIndex).shuffle(shuffled);
  const right = shuffled.filter((e) => e.actual === e.predicted).slice(0, k);
  const wrong = shuffled.filter((e) => e.actual !== e.predicted).slice(0, k);
  return [...right, ...wrong];
}

async function exampleCard(details: EvalDetails, ex: Example, o: ReportOptions): Promise<string> {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const face = details.split.pixels.subarray(ex.image * px, (ex.image + 1) * px);
  const row = details.row.get(ex.image) ?? 0;
  const k = details.regionNames.length;
  const weights = details.attention ? Array.from(details.attention.subarray(row * k, (row + 1) * k)) : [];
  const maxW = Math.max(...weights, 1e-9);
  const crops = await Promise.all(
    o.regions.map(async (r, j) => {
      const w = weights[j] ?? 0;
      return `<figure class="crop"><img src="${await pngDataUri(face, IMAGE_SIZE, r.box, 48)}" alt="${escapeHtml(r.name)}">
<div class="bar"><span style="width:${((100 * w) / maxW).toFixed(0)}%"></span></div><figcaption>${escapeHtml(r.name)} ${w.toFixed(2)}</figcaption></figure>`;
    }),
  );
  const right = ex.actual === ex.predicted;
  const name = details.split.names[ex.image];
  return `<div class="card ${right ? 'right' : 'wrong'}">
<img class="face" src="${await pngDataUri(face, IMAGE_SIZE, [0, 0, 1, 1], 96)}" alt="${escapeHtml(name)}" title="${escapeHtml(name)}">
<div class="labels"><div>predicted <b style="color:${EMOTION_COLORS[EMOTIONS[ex.predicted]]}">${EMOTIONS[ex.predicted]}</b> ${(100 * ex.confidence).toFixed(0)}%</div>
<div>actual <b>${EMOTIONS[ex.actual]}</b> ${right ? '✓' : '✗'}</div><div class="name">${escapeHtml(name)}</div></div>
<div class="crops">${crops.join('')}</div></div>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table.acc{border-collapse:collapse;font-size:.9em}table.acc td,table.acc th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
table.acc td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}
.gallery{display:flex;flex-wrap:wrap;gap:.8em}.card{display:grid;grid-template-columns:96px 1fr;gap:.4em .8em;padding:.6em;border:2px solid;border-radius:6px;width:540px}
.card.right{border-color:#59a14f}.card.wrong{border-color:#e15759}.face{width:96px;height:96px;image-rendering:pixelated}
.labels{font-size:.9em}.name{color:#888;font-size:.8em}.crops{grid-column:1/3;display:flex;gap:.4em}
.crop{margin:0;text-align:center;font-size:.7em}.crop img{width:72px;height:72px;image-rendering:pixelated}
.bar{height:5px;background:#eee}.bar span{display:block;height:5px;background:#4e79a7}`;

/** Renders the report as one HTML document (every image and chart inline). */
export async function renderReport(details: EvalDetails, o: ReportOptions): Promise<string> {
  const k = o.examplesPerKind ?? 4;
  const confusions = await Promise.all(
    details.reports.map((r) =>
      renderSvg(confusionSpec(r.confusion, r.classes, `${SET_TITLES[r.set] ?? r.set}: ${pct(r.accuracy)}`)),
    ),
  );
  const att = attentionSpec(details.reports);
  const attentionSvg = att ? await renderSvg(att) : '';
  const galleries: string[] = [];
  for (let s = 0; s < details.sets.length; s++) {
    const examples = pickExamples(details, s, k, o.seed ?? 1);
    const cards = await Promise.all(examples.map((ex) => exampleCard(details, ex, o)));
    const name = details.sets[s].name;
    galleries.push(
      `<h3>${escapeHtml(SET_TITLES[name] ?? name)}</h3><div class="gallery">${cards.join('\n')}</div>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(o.title)}</h1>
<p>Model <code>${escapeHtml(o.modelDir)}</code>; FERPlus majority protocol, 8 classes${details.reports[0]?.tta ? ', flip test-time augmentation' : ''}. Generated ${new Date().toISOString()}.</p>
<h2>Accuracy</h2>
${accuracyTable(details.reports)}
<h2>Confusion matrices</h2>
<p>Rows: actual emotion; columns: predicted; colour: share of the row.</p>
<div class="charts">${confusions.join('\n')}</div>
${attentionSvg ? `<h2>Region attention</h2><div class="charts">${attentionSvg}</div>` : ''}
<h2>Gallery</h2>
<p>Each face with the RAN's regions cut from it and their attention weights (μ·ν); ${k} right (green) and ${k} wrong (red) predictions per set, chosen at random.</p>
${galleries.join('\n')}
</body></html>
`;
}
