/** Defaults shared by the commands. */
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultModelDir, modelDirs, shippedModelDirs } from '../infer/model-dir.js';
import { isShippedModel } from '../infer/shipped-models.js';
import { defaultCacheDir } from '../lab/data/cache-dir.js';
import { fraction, nonNegativeNumber } from './parse.js';

/** $RANFER_DATA, else ../shared/datasets/ferplus from the current folder. */
export function defaultDataDir(): string {
  return process.env.RANFER_DATA ?? path.resolve('..', 'shared', 'datasets', 'ferplus');
}

/** $RANFER_PHOTOS, else ../shared/datasets/photos from the current folder. */
export function defaultPhotosDir(): string {
  return process.env.RANFER_PHOTOS ?? path.resolve('..', 'shared', 'datasets', 'photos');
}

/** $RANFER_FACES, else ../shared/datasets/ckplus-dev: labelled faces of another dataset, for generalisation. */
export function defaultFacesDir(): string {
  return process.env.RANFER_FACES ?? path.resolve('..', 'shared', 'datasets', 'ckplus-dev');
}

/** $RANFER_WILD, else ../shared/datasets/sfew-train: movie faces to train on beside FERPlus (split by film). */
export function defaultWildDir(): string {
  return process.env.RANFER_WILD ?? path.resolve('..', 'shared', 'datasets', 'sfew-train');
}

/** The --data and --cache-dir options every command that reads FERPlus has. */
export function dataOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'FERPlus folder', defaultDataDir())
    .option('--cache-dir <dir>', 'decoded-image cache', defaultCacheDir());
}

/** --model for the commands that recognise faces: one folder, several joined by commas (an ensemble), or a shipped model's name. */
export function modelsOption(): Option {
  return new Option(
    '--model <dirs>',
    "model folder (model.json + weights.bin), several joined by commas (their ensemble: the mean of their logits), or 'ensemble': the shipped accuracy mode (two networks, twice the cost of a face)",
  )
    .default(defaultModelDir())
    .argParser((value: string) => {
      try {
        return modelDirs(value);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    });
}

/**
 * --model for the commands that take one network (export, regions, report, most benchmarks): a folder, or
 * `default`; the accuracy mode (`ensemble`, several networks) is refused with what to do instead.
 */
export function modelOption(what = 'model folder'): Option {
  return new Option('--model <dir>', `${what} (or 'default')`)
    .default(defaultModelDir())
    .argParser((value: string) => {
      if (!isShippedModel(value)) return value;
      const dirs = shippedModelDirs(value);
      if (dirs.length > 1)
        throw new InvalidArgumentError(
          `'${value}' is ${dirs.length} networks (${dirs.map((d) => path.basename(d)).join(', ')}); this command takes one model folder`,
        );
      return dirs[0];
    });
}

/** --prior-weight, for every command that classifies faces. */
export function priorWeightOption(): Option {
  return new Option(
    '--prior-weight <w>',
    "weight of the training data's class frequencies: 1 as in FERPlus, 0 every emotion alike (default: the model's)",
  ).argParser(nonNegativeNumber);
}

/** --face-api-weight, for every command that classifies faces. */
export function faceApiWeightOption(): Option {
  return new Option(
    '--face-api-weight <w>',
    "share of face-api.js's FaceExpressionNet in the probabilities, 0..1 (reads posed faces better; default 0)",
  ).argParser(fraction);
}

/** --backend, for every command that recognizes photos: TensorFlow.js's backends, or ONNX Runtime for the emotion model. */
export function engineOption(): Option {
  return new Option(
    '--backend <name>',
    'engine: auto (TensorFlow.js: tfjs-node when installed, else wasm), wasm, cpu, tensorflow, or onnx (the networks on onnxruntime-node)',
  )
    .choices(['auto', 'wasm', 'cpu', 'tensorflow', 'onnx'])
    .default('auto');
}
