import { describe, expect, it } from 'vitest';
import { replaceResultsBlock } from '../../../src/cli/ship-command.js';
import type { EvalReport } from '../../../src/lab/eval/evaluate.js';
import type { FaceFolderReport } from '../../../src/lab/eval/face-folder-eval.js';
import {
  ensembleLine,
  faceFolderLines,
  modelCard,
  priorLine,
  resultsTable,
} from '../../../src/lab/eval/model-card.js';
import { TRAIN_PRESETS } from '../../../src/lab/train/config.js';

const report = (set: string, accuracy: number, count: number): EvalReport => ({
  set,
  tta: false,
  count,
  accuracy,
  balancedAccuracy: accuracy - 0.1,
  perClassAccuracy: {
    neutral: 0.9,
    happiness: 0.95,
    surprise: 0.85,
    sadness: 0.6,
    anger: 0.7,
    disgust: 0.2,
    fear: 0.4,
    contempt: null,
  },
  macroF1: 0.61,
  classes: [],
  confusion: [],
  meanAttention: { face: 0.1, lower: 0.4 },
});

describe('model card', () => {
  const plain = [report('test', 0.8123, 3137), report('occlusion', 0.75, 605)];
  const tta = [report('test', 0.8201, 3137), report('occlusion', 0.7612, 605)];
  const log = [1, 2, 3].map((epoch) => ({
    epoch,
    step: epoch * 436,
    lr: 0.001,
    trainLoss: 1,
    valAccuracy: [0.7, 0.8, 0.78][epoch - 1],
    imgPerSec: [40, 45, 42][epoch - 1],
    epochSec: 600,
    elapsedSec: 600 * epoch,
    time: '',
  }));

  const common = {
    name: 'm',
    log,
    plain,
    tta,
    params: 676_000,
    mflops: 230,
    trainImages: 27947,
    docsFromModel: '../../docs',
  };

  it('tabulates plain and TTA accuracy per set', () => {
    expect(resultsTable(plain, tta).split('\n')).toEqual([
      '| set | images | accuracy | balanced accuracy | with flip TTA | macro-F1 |',
      '| --- | --- | --- | --- | --- | --- |',
      '| FERPlus test | 3,137 | **81.23%** | 71.23% | 82.01% | 0.610 |',
      '| occlusion | 605 | **75.00%** | 65.00% | 76.12% | 0.610 |',
    ]);
  });

  it('reports face folders on the 7 emotions besides contempt, contempt apart', () => {
    const faces = [
      {
        ...report('ckplus-dev', 0.65, 522),
        framing: 'aligned' as const,
        framingFallbacks: 0,
        withoutContempt: { count: 495, accuracy: 0.6828, balancedAccuracy: 0.5877, macroF1: 0.5 },
      },
    ];
    const card = modelCard({ ...common, faces, config: { ...TRAIN_PRESETS.default, epochs: 3 } });
    expect(card).toContain('### Faces from other datasets (never trained on)');
    expect(card).toContain(
      '- `ckplus-dev` (522 faces, aligned framing; `ranfer eval --faces`): **68.28%** on the 495 faces besides contempt (balanced 58.77%), contempt n/a; all 8 classes 65.00%, balanced 55.00%',
    );
    // Its classes under 50% are listed among the weaknesses (disgust 20%, fear 40%; contempt n/a).
    expect(card).toContain(
      '- Weak classes on faces from other datasets (never trained on): `ckplus-dev`: disgust (20.00%), fear (40.00%). A share of',
    );
    expect(modelCard({ ...common, config: { ...TRAIN_PRESETS.default, epochs: 3 } })).not.toContain(
      'other datasets',
    );
  });

  it('states the class prior its predictions assume', () => {
    const config = { ...TRAIN_PRESETS.default, epochs: 3 };
    expect(modelCard({ ...common, config, priorWeight: 0.5 })).toContain(
      "- **Class prior**: Predictions assume FERPlus's class frequencies at weight 0.5 (1: as they are, 0: every emotion alike); `priorWeight` (`--prior-weight`) changes it.",
    );
    expect(priorLine(1)).toContain("FERPlus's class frequencies as they are");
    expect(priorLine(0)).toContain('every emotion alike;');
    expect(modelCard({ ...common, config })).toContain('- **Class prior**: none recorded');
  });

  it('states time, best epoch, weak classes, and whether the run is finished', () => {
    const input = { ...common, config: { ...TRAIN_PRESETS.default, epochs: 3 } };
    const card = modelCard(input);
    expect(card).toContain('**0.50 h** of wall-clock training');
    expect(card).toContain('(3 epochs, 40.0–45.0 images/s); best validation accuracy 80.00% at epoch 2');
    expect(card).toContain('Weak classes on test: disgust (20.00%), fear (40.00%)');
    expect(card).toContain('676k parameters, 230 MFLOP per face');
    expect(card).not.toContain('Interim model');
    expect(modelCard({ ...input, config: { ...input.config, epochs: 40 } })).toContain(
      'done 3 of its 40 epochs',
    );
  });

  it('names the class-balanced loss and the domain augmentation in the recipe', () => {
    const card = modelCard({
      ...common,
      config: { ...TRAIN_PRESETS.domain, balance: { tau: 1 }, epochs: 3 },
    });
    expect(card).toContain('toward other domains (tone, side lighting, blur or sharpening, JPEG, noise)');
    expect(card).toContain('logit-adjusted loss against the training prior (tau 1: class-balanced logits)');
    const plainCard = modelCard({ ...common, config: { ...TRAIN_PRESETS.default, epochs: 3 } });
    expect(plainCard).not.toContain('logit-adjusted');
    expect(plainCard).not.toContain('other domains');
  });

  it('names the movie faces trained on and the teacher a student was distilled from', () => {
    const config = {
      ...TRAIN_PRESETS['wide-tail'],
      epochs: 3,
      wild: { validShare: 0.2, repeat: 4 },
      distill: {
        teacher: 'ensemble' as const,
        models: ['/work/runs/teacher-a', 'runs/teacher-b/'],
        alpha: 0.5,
      },
    };
    const faces = [
      {
        ...report('sfew-train', 0.44, 179),
        framing: 'aligned' as const,
        framingFallbacks: 0,
        films: 'valid' as const,
      },
    ];
    const card = modelCard({ ...common, config, wildFaces: 680, faces });
    expect(card).toContain(
      "- **Movie faces** beside FERPlus (`ranfer train --wild`): 680 faces of a folder's training films, split by film (the validation films, 20% of the faces, never trained on), one-hot targets, each face 4 times an epoch.",
    );
    expect(card).toContain(
      "- **Distilled**: each target is 50% the face's own label and 50% the probabilities of an ensemble of 2 trained RANs (the mean of their logits: `teacher-a`, `teacher-b`).",
    );
    expect(card).toContain(
      '### Faces from other datasets (never trained on; of a folder split by film, only its validation films)',
    );
    expect(card).toContain('mostly frontal adults) and a few hundred movie stills;');
    const faceApi = modelCard({ ...common, config: { ...TRAIN_PRESETS.distill, epochs: 3 } });
    expect(faceApi).toContain(
      "- **Distilled**: each target is 70% the face's own label and 30% the probabilities of face-api.js's FaceExpressionNet (7 classes, no contempt).",
    );
    expect(faceApi).not.toContain('Movie faces');
    const both = modelCard({
      ...common,
      config: { ...config, distill: { ...config.distill, alpha: 0.3, faceApiAlpha: 0.2 } },
    });
    expect(both).toContain(
      "- **Distilled**: each target is 50% the face's own label, 30% the probabilities of an ensemble of 2 trained RANs (the mean of their logits: `teacher-a`, `teacher-b`) and 20% those of face-api.js's FaceExpressionNet (7 classes, no contempt).",
    );
    const plain = modelCard({ ...common, faces, config: { ...TRAIN_PRESETS.default, epochs: 3 } });
    expect(plain).not.toContain('Distilled');
    expect(plain).not.toContain('movie stills');
    expect(plain).toContain('### Faces from other datasets (never trained on)\n');
  });

  it('describes a fine-tuning after the recipe of the model it started from', () => {
    const parentConfig = { ...TRAIN_PRESETS.default, epochs: 2 };
    const config = {
      ...TRAIN_PRESETS['occlusion-finetune'],
      epochs: 1,
      init: { dir: 'runs/parent', epochs: 2, elapsedSec: 1200 },
    };
    const input = { ...common, config, parentConfig };
    const card = modelCard(input);
    expect(card).toContain('- **Recipe**: 2 epochs, AdamW lr 0.002');
    expect(card).toContain('random erasing p=0.5 (2–25% of the face)');
    expect(card).toContain('the model `runs/parent` (2 epochs, 0.33 h)');
    expect(card).toContain('- **then fine-tuned** (`ranfer train --init-from`): 1 epochs, AdamW lr 0.0004');
    expect(card).toContain('random erasing p=0.8 (4–40% of the face)');
    // The log holds the model's 2 epochs and the fine-tuning's 1: finished, 0.50 h in all.
    expect(card).not.toContain('Interim model');
    expect(card).toContain('**0.50 h** of wall-clock training');
    expect(modelCard({ ...input, config: { ...config, epochs: 2 } })).toContain('done 3 of its 4 epochs');
  });

  it('replaces only the README block between the markers', () => {
    const readme = 'intro\n<!-- results:start -->\nold table\n<!-- results:end -->\nrest\n';
    expect(replaceResultsBlock(readme, 'new')).toBe(
      'intro\n<!-- results:start -->\nnew\n<!-- results:end -->\nrest\n',
    );
    expect(() => replaceResultsBlock('no block', 'x')).toThrow(/results:start/);
  });

  it("replaces an ensemble's block by its name and leaves the default's alone", () => {
    const readme =
      '<!-- results:start -->\nA\n<!-- results:end -->\n<!-- ensemble-results:start -->\nB\n<!-- ensemble-results:end -->\n';
    expect(replaceResultsBlock(readme, 'C', 'ensemble-results')).toBe(
      '<!-- results:start -->\nA\n<!-- results:end -->\n<!-- ensemble-results:start -->\nC\n<!-- ensemble-results:end -->\n',
    );
    expect(() =>
      replaceResultsBlock('<!-- results:start -->\n<!-- results:end -->', 'x', 'ensemble-results'),
    ).toThrow('the README has no <!-- ensemble-results:start --> ... <!-- ensemble-results:end --> block');
  });

  it("gives an ensemble's figures in one line: each set, balanced and flip TTA on test, each face folder", () => {
    const ck = {
      ...report('ckplus-dev', 0.6819, 522),
      framing: 'aligned',
      withoutContempt: { count: 495, accuracy: 0.7192, balancedAccuracy: 0.6253, macroF1: 0.5 },
    };
    const sfew = { ...report('sfew-train', 0.486, 179), framing: 'aligned', films: 'valid' as const };
    expect(ensembleLine(plain, tta, [ck, sfew] as FaceFolderReport[])).toBe(
      'FERPlus test **81.23%** (balanced 71.23%, flip TTA 82.01%), occlusion **75.00%**; ' +
        '`ckplus-dev` 71.92% (7 classes), `sfew-train` validation films 48.60%',
    );
    expect(ensembleLine(plain, [], [])).toBe(
      'FERPlus test **81.23%** (balanced 71.23%), occlusion **75.00%**',
    );
  });

  it("says a member of an ensemble's figures are the ensemble's, and links the ensemble's confusion image", () => {
    const input = { ...common, config: { ...TRAIN_PRESETS.default, epochs: 3 } };
    const member = modelCard({
      ...input,
      name: 'ferplus-ran-distilled',
      ensembleWith: ['ferplus-ran'],
      confusionPrefix: 'confusion-ensemble-',
    });
    expect(member).toContain(
      '> **A member of an ensemble**: this network is read together with `ferplus-ran`, as the mean of their logits',
    );
    expect(member).toContain("at the cost of 2 networks a face. Every figure below is the ensemble's");
    expect(member).toContain('![confusion, test](../../docs/confusion-ensemble-test.png)');
    const alone = modelCard(input);
    expect(alone).not.toContain('A member of an ensemble');
    expect(alone).toContain('![confusion, test](../../docs/confusion-test.png)');
  });
});

describe('faceFolderLines', () => {
  it('names a folder, and the side of its split by film when one was scored', () => {
    const ck = { ...report('ckplus-dev', 0.7, 522), framing: 'aligned' as const, framingFallbacks: 0 };
    const sfew = { ...ck, set: 'sfew-train', count: 179, films: 'valid' as const };
    const [a, b] = faceFolderLines([ck, sfew]).split('\n');
    expect(a).toMatch(
      /^- `ckplus-dev` \(522 faces, aligned framing; `ranfer eval --faces`\): all 8 classes 70\.00%/,
    );
    expect(b).toMatch(
      /^- `sfew-train`, its validation films \(179 faces, aligned framing; `ranfer eval --faces --films valid`\)/,
    );
  });
});
