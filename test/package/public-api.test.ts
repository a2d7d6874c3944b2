/**
 * The names the `ranfer` entry exports: what users need (recognizers, their options and results, video,
 * ONNX export, model files, errors), and none of the networks' inner configuration types. A new export
 * is a decision: add it here.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function exportedNames(entry: string): string[] {
  const file = path.join(ROOT, entry);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  });
  const source = program.getSourceFile(file);
  const checker = program.getTypeChecker();
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`no module symbol for ${entry}`);
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.name)
    .sort();
}

describe('public API', () => {
  it('exports the reviewed names from src/index.ts, none of the networks’ inner types', () => {
    const names = exportedNames('src/index.ts');
    for (const inner of [
      'IResNetConfig',
      'StageConfig',
      'MobileFaceNetConfig',
      'RanConfig',
      'ParamInfo',
      'Dim',
    ])
      expect(names).not.toContain(inner);
    expect(names).toEqual(
      [
        'Affine',
        'AlignedFace',
        'BackendChoice',
        'BackendName',
        'Box',
        'ClassPrior',
        'DetectedFace',
        'DetectorKind',
        'DetectorOptions',
        'EMOTIONS',
        'EMOTION_COLORS',
        'Emotion',
        'EmotionNet',
        'EmotionPredictor',
        'EmotionResult',
        'FERPLUS_FRAMING',
        'FaceEmotionModel',
        'FaceFinding',
        'FacePrediction',
        'FollowSchedule',
        'FrameRecognizer',
        'FrameSampling',
        'ImageError',
        'ImageInput',
        'ManyResult',
        'ModelManifest',
        'ModelWeights',
        'OnnxEmotionNet',
        'OnnxExport',
        'OnnxExportOptions',
        'OnnxSignature',
        'OptionError',
        'PredictOptions',
        'REGION_COLORS',
        'RanferError',
        'RawImage',
        'RecognizeManyOptions',
        'RecognizeTimings',
        'RecognizeVideoOptions',
        'RecognizedFace',
        'Recognizer',
        'RecognizerConfig',
        'RegionBox',
        'ShippedModel',
        'SourceImage',
        'TrackedFace',
        'TrackerOptions',
        'VideoError',
        'VideoFrameResult',
        'VideoInfo',
        'alignFace',
        'createRecognizer',
        'defaultModelDir',
        'exportOnnx',
        'loadModel',
        'recognizeMany',
        'recognizeVideo',
        'shippedModelDirs',
      ].sort(),
    );
  });
});
