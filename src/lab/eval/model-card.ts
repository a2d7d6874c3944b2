/**
 * The model card of a shipped model and the README's results table, both generated from the measured
 * reports and the training log (never typed by hand), so that `ranfer eval` reproduces every figure.
 */
import type { NetworkConfig } from '../../model/registry.js';
import { type TrainConfig, totalEpochs } from '../train/config.js';
import type { EpochLog } from '../train/run-log.js';
import type { EvalReport } from './evaluate.js';
import type { FaceFolderReport } from './face-folder-eval.js';

export interface CardInput {
  name: string;
  config: TrainConfig;
  /** The recipe of the model a fine-tuning started from (`config.init`). */
  parentConfig?: TrainConfig;
  log: EpochLog[];
  plain: EvalReport[];
  tta: EvalReport[];
  /** Reports on folders of labelled faces from other datasets (`ranfer eval --faces`), plain. */
  faces?: FaceFolderReport[];
  params: number;
  mflops: number;
  /** FERPlus training images per epoch. */
  trainImages: number;
  /** With `config.wild`: the movie faces of the training films (each `wild.repeat` times an epoch). */
  wildFaces?: number;
  /** Relative path from the model folder to the confusion images (docs/). */
  docsFromModel: string;
  /** The start of the confusion images' names (default `confusion-`: confusion-test.png). */
  confusionPrefix?: string;
  /** The other members' folder names when the model ships as a member of an ensemble (the figures are its). */
  ensembleWith?: string[];
  /** The weight of the training class prior in the model's predictions (model.json `prior.weight`). */
  priorWeight?: number;
}

/** What the model's default prior weight means, for the card and the README. */
export function priorLine(weight: number | undefined): string {
  if (weight === undefined) return '';
  const what =
    weight === 1
      ? "FERPlus's class frequencies as they are"
      : weight === 0
        ? 'every emotion alike'
        : `FERPlus's class frequencies at weight ${weight} (1: as they are, 0: every emotion alike)`;
  return `Predictions assume ${what}; \`priorWeight\` (\`--prior-weight\`) changes it.`;
}

const SET_TITLES: Record<string, string> = {
  test: 'FERPlus test',
  occlusion: 'occlusion',
  pose30: 'pose > 30°',
  pose45: 'pose > 45°',
};
const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);

function networkLine(n: NetworkConfig, params: number, mflops: number): string {
  const size = `${(params / 1000).toFixed(0)}k parameters, ${mflops.toFixed(0)} MFLOP per face`;
  if (n.kind !== 'ran') return `IResNet classifier on the whole face; ${size}.`;
  const trunkOut = n.trunk.stages.at(-1)?.channels;
  return (
    `RAN: an IResNet trunk to a ${trunkOut}-channel map, ${n.regions.length} regions (${n.regions.map((r) => r.name).join(', ')}) ` +
    `resized to ${n.regionSize}x${n.regionSize}, a shared ${n.tail.at(-1)?.channels}-channel tail, self- and relation attention, ` +
    `region biased loss (margin ${n.rbLoss.margin}, weight ${n.rbLoss.weight}); ${size}.`
  );
}

function recipeLine(cfg: TrainConfig): string {
  const opt =
    cfg.optimizer.kind === 'adamw'
      ? `AdamW lr ${cfg.lr.base}, weight decay ${cfg.optimizer.weightDecay}`
      : `SGD lr ${cfg.lr.base}, momentum ${cfg.optimizer.momentum}, weight decay ${cfg.optimizer.weightDecay}`;
  const a = cfg.augment;
  const e = a.erase;
  return (
    `${cfg.epochs} epochs, ${opt}, ${cfg.lr.warmupEpochs} warm-up epoch(s) then cosine to ${cfg.lr.final * 100}% of the rate; ` +
    `batch ${cfg.batchSize} over ${cfg.workers} workers, ghost batch norm ${cfg.bnGroup}; EMA ${cfg.ema}; augmentation: ` +
    `${a.flip ? 'flip, ' : ''}rotation ±${a.rotate}°, scale ±${a.scale * 100}%, shift ±${a.shift * 100}%, brightness ±${a.brightness}, ` +
    `contrast ±${a.contrast}, random erasing p=${e.p} (${e.minArea * 100}–${e.maxArea * 100}% of the face)` +
    `${cfg.cutmix ? `, CutMix p=${cfg.cutmix.p} (${cfg.cutmix.minArea * 100}–${cfg.cutmix.maxArea * 100}% of the face)` : ''}` +
    `${a.domain ? ', toward other domains (tone, side lighting, blur or sharpening, JPEG, noise)' : ''}` +
    `${cfg.balance ? `; logit-adjusted loss against the training prior (tau ${cfg.balance.tau}: class-balanced logits)` : ''}; seed ${cfg.seed}`
  );
}

/** The data bullet: FERPlus splits, movie faces beside them, and how the targets were made. */
function dataBullets(c: CardInput): string {
  const cfg = c.config;
  const lines = [
    `- **Data**: FERPlus ${cfg.trainSplits.join(' + ')} with ${cfg.protocol === 'pld' ? 'PLD (vote distribution)' : 'majority'} targets (${c.trainImages.toLocaleString('en')} images); ${cfg.trainSplits.includes('valid') ? 'no validation split (final fit)' : 'the epoch kept is the best on FER2013Valid (majority protocol)'}. The test split is used only for the figures below.`,
  ];
  if (cfg.wild) {
    const count = c.wildFaces === undefined ? 'the' : `${c.wildFaces.toLocaleString('en')}`;
    lines.push(
      `- **Movie faces** beside FERPlus (\`ranfer train --wild\`): ${count} faces of a folder's training films, split by film (the validation films, ${Math.round(cfg.wild.validShare * 100)}% of the faces, never trained on), one-hot targets, each face ${cfg.wild.repeat} times an epoch.`,
    );
  }
  const d = cfg.distill;
  if (d) {
    const teacher =
      d.teacher === 'ensemble'
        ? `an ensemble of ${d.models?.length ?? 0} trained RANs (the mean of their logits: ${(d.models ?? []).map((m) => `\`${m.split(/[\\/]/).filter(Boolean).at(-1)}\``).join(', ')})`
        : "face-api.js's FaceExpressionNet (7 classes, no contempt)";
    const beta = d.faceApiAlpha ?? 0;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    lines.push(
      beta > 0
        ? `- **Distilled**: each target is ${pct(1 - d.alpha - beta)} the face's own label, ${pct(d.alpha)} the probabilities of ${teacher} and ${pct(beta)} those of face-api.js's FaceExpressionNet (7 classes, no contempt).`
        : `- **Distilled**: each target is ${pct(1 - d.alpha)} the face's own label and ${pct(d.alpha)} the probabilities of ${teacher}.`,
    );
  }
  return lines.join('\n');
}

/** The heading of the faces-from-other-datasets lines, for the card and the README. */
export function otherFacesHeading(config: TrainConfig): string {
  return config.wild
    ? 'Faces from other datasets (never trained on; of a folder split by film, only its validation films)'
    : 'Faces from other datasets (never trained on)';
}

/** The recipe bullet: a run's own, or a fine-tuning's after the recipe of the model it started from. */
function recipeBullets(cfg: TrainConfig, parent: TrainConfig | undefined): string {
  if (!cfg.init) return `- **Recipe**: ${recipeLine(cfg)}.`;
  const from = `\`${cfg.init.dir}\` (${cfg.init.epochs} epochs, ${(cfg.init.elapsedSec / 3600).toFixed(2)} h)`;
  return [
    `- **Recipe**: ${parent ? recipeLine(parent) : 'see the starting model'} — the model ${from};`,
    `- **then fine-tuned** (\`ranfer train --init-from\`): ${recipeLine(cfg)}.`,
  ].join('\n');
}

export function resultsTable(plain: EvalReport[], tta: EvalReport[]): string {
  const rows = plain.map((r) => {
    const t = tta.find((x) => x.set === r.set);
    return `| ${SET_TITLES[r.set] ?? r.set} | ${r.count.toLocaleString('en')} | **${pct(r.accuracy)}** | ${pct(r.balancedAccuracy)} | ${t ? pct(t.accuracy) : 'n/a'} | ${r.macroF1.toFixed(3)} |`;
  });
  return [
    '| set | images | accuracy | balanced accuracy | with flip TTA | macro-F1 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** One line per face folder: accuracy on the 7 emotions besides contempt, contempt apart, per class. */
export function faceFolderLines(faces: FaceFolderReport[]): string {
  return faces
    .map((r) => {
      const w = r.withoutContempt;
      const seven = w
        ? `**${pct(w.accuracy)}** on the ${w.count.toLocaleString('en')} faces besides contempt (balanced ${pct(w.balancedAccuracy)}), contempt ${pct(r.perClassAccuracy.contempt ?? null)}; `
        : '';
      return (
        `- \`${r.set}\`${r.films ? `, its ${r.films === 'valid' ? 'validation' : 'training'} films` : ''} (${r.count.toLocaleString('en')} faces, ${r.framing} framing; \`ranfer eval --faces${r.films ? ` --films ${r.films}` : ''}\`): ${seven}` +
        `all 8 classes ${pct(r.accuracy)}, balanced ${pct(r.balancedAccuracy)}, macro-F1 ${r.macroF1.toFixed(3)}. ` +
        `Per class: ${perClassLine(r)}.`
      );
    })
    .join('\n');
}

/**
 * An ensemble's figures in one line, for the README (the card has the table and the per-class figures): each
 * set's accuracy, flip TTA on test, balanced test accuracy, and each face folder's headline figure.
 */
export function ensembleLine(plain: EvalReport[], tta: EvalReport[], faces: FaceFolderReport[]): string {
  const sets = plain.map((r) => {
    const t = r.set === 'test' ? tta.find((x) => x.set === 'test') : undefined;
    const extra =
      r.set === 'test'
        ? ` (balanced ${pct(r.balancedAccuracy)}${t ? `, flip TTA ${pct(t.accuracy)}` : ''})`
        : '';
    return `${SET_TITLES[r.set] ?? r.set} **${pct(r.accuracy)}**${extra}`;
  });
  const folders = faces.map((r) =>
    r.withoutContempt
      ? `\`${r.set}\` ${pct(r.withoutContempt.accuracy)} (7 classes)`
      : `\`${r.set}\`${r.films ? ` ${r.films === 'valid' ? 'validation' : 'training'} films` : ''} ${pct(r.accuracy)}`,
  );
  return [sets.join(', '), folders.join(', ')].filter(Boolean).join('; ');
}

export function perClassLine(r: EvalReport): string {
  return Object.entries(r.perClassAccuracy)
    .map(([k, v]) => `${k} ${v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`}`)
    .join(', ');
}

/** The note of a card whose network ships as a member of an ensemble: what its figures measure. */
function ensembleNote(name: string, others: string[]): string {
  const members = [...others, name].map((m) => `\`${m}\``).join(', ');
  return `\n> **A member of an ensemble**: this network is read together with ${others.map((m) => `\`${m}\``).join(', ')}, as the mean of their logits (the folders ${members} in \`modelDir\` or \`--model\`), at the cost of ${others.length + 1} networks a face. Every figure below is the ensemble's; the network is not meant to be used alone.\n`;
}

export function modelCard(c: CardInput): string {
  const last = c.log.at(-1);
  const hours = (last?.elapsedSec ?? 0) / 3600;
  const rates = c.log.map((l) => l.imgPerSec);
  const best = c.log.reduce<EpochLog | undefined>(
    (b, l) => ((l.valAccuracy ?? -1) > (b?.valAccuracy ?? -1) ? l : b),
    undefined,
  );
  const test = c.plain.find((r) => r.set === 'test');
  const weak = test
    ? Object.entries(test.perClassAccuracy)
        .filter(([, v]) => v !== null && v < 0.5)
        .map(([k, v]) => `${k} (${pct(v)})`)
    : [];
  const weakElsewhere = (c.faces ?? [])
    .map((r) => {
      const low = Object.entries(r.perClassAccuracy)
        .filter(([, v]) => v !== null && v < 0.5)
        .map(([k, v]) => `${k} (${pct(v)})`);
      return low.length ? `\`${r.set}\`: ${low.join(', ')}` : '';
    })
    .filter(Boolean);
  const cfg = c.config;
  return `# ${c.name} — model card

A Region Attention Network for 8-class facial emotion recognition (neutral, happiness, surprise, sadness,
anger, disgust, fear, contempt) on aligned 48x48 grey faces, trained from scratch on FERPlus with ranfer
on a 2-core CPU. Generated by \`ranfer ship\` from the training run and \`ranfer eval\` (do not edit by hand).
${c.ensembleWith ? ensembleNote(c.name, c.ensembleWith) : ''}${c.log.length < totalEpochs(cfg) ? `\n> **Interim model**: the best epoch so far of a run that has done ${c.log.length} of its ${totalEpochs(cfg)} epochs; the run continues (\`ranfer train --resume\`) and will replace it.\n` : ''}
- **Files**: \`model.json\` (network, classes, input normalisation, tensor layout, SHA-1 of the weights),
  \`weights.bin\` (float32), \`train-config.json\`, \`train-log.jsonl\` (one line per epoch),
  \`metrics.json\` / \`metrics-tta.json\` / \`metrics-faces.json\` (the reports below).
- **Network**: ${networkLine(cfg.network, c.params, c.mflops)}
${dataBullets(c)}
${recipeBullets(cfg, c.parentConfig)}
- **Class prior**: ${c.priorWeight === undefined ? 'none recorded' : priorLine(c.priorWeight)}
- **Training time**: **${hours.toFixed(2)} h** of wall-clock training on a 2-core CPU (${c.log.length} epochs, ${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)} images/s)${best?.valAccuracy !== undefined ? `; best validation accuracy ${pct(best.valAccuracy)} at epoch ${best.epoch}` : ''}.

## Results (majority protocol, 8 classes; \`ranfer eval --subset all [--tta]\`)

${resultsTable(c.plain, c.tta)}

Per-class test accuracy: ${test ? perClassLine(test) : 'n/a'}.
${c.faces?.length ? `\n### ${otherFacesHeading(cfg)}\n\n${faceFolderLines(c.faces)}\n` : ''}${
  test?.meanAttention
    ? `\nMean attention (μ·ν) on test: ${Object.entries(test.meanAttention)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}.\n`
    : ''
}
![confusion, test](${c.docsFromModel}/${c.confusionPrefix ?? 'confusion-'}test.png)

## Known weaknesses

${weak.length ? `- Weak classes on test: ${weak.join(', ')}. Disgust and contempt are rare (16 and 15 test faces, ~120 training faces each).` : '- No class under 50% on test; disgust and contempt remain rare (16 and 15 test faces).'}
${weakElsewhere.length ? `- Weak classes on faces from other datasets (never trained on): ${weakElsewhere.join('; ')}. A share of face-api.js's FaceExpressionNet (\`faceApiWeight\`) and a lower \`priorWeight\` read more of the posed ones, at a cost on FERPlus (docs/guide.md).\n` : ''}- 48x48 grey input: fine detail and colour are lost; faces must be aligned the FERPlus way (ranfer's
  photo pipeline does this from 68 landmarks).
- Trained on FER2013 faces (web images, mostly frontal adults)${cfg.wild ? ' and a few hundred movie stills' : ''}; expect lower accuracy on other populations,
  extreme poses, and posed versus spontaneous expressions.
`;
}
