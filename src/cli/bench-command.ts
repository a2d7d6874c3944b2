/** `ranfer bench ...`: benchmarks that print their figures (and --json). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { DataError } from '../data/errors.js';
import type { BackendChoice } from '../engine/backend.js';
import type { DetectorKind } from '../face/detector.js';
import { modelDirs } from '../infer/model-dir.js';
import type { EmotionAdapter } from '../lab/bench/compare/adapter.js';
import type { PhotoBenchCase } from '../lab/bench/photo-bench.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOptions, defaultFacesDir, defaultPhotosDir, modelOption } from './defaults.js';
import { UsageError } from './errors.js';
import { positiveInt } from './parse.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

interface CommonOpts {
  backend: BackendChoice;
  json?: boolean;
}

type OnProgress = (phase: string, done: number, total: number) => void;

type PhotoOpts = CommonOpts & {
  photos: string;
  model: string;
  detector: DetectorKind;
  repeats: number;
  tta?: boolean;
};

/** A benchmark subcommand with the shared --backend and --json options. */
function benchCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend')
        .choices(['auto', 'wasm', 'cpu'])
        .default('auto'),
    )
    .option('--json', 'print one JSON object');
}

/** Runs a benchmark with a progress bar (on a terminal, without --json), then prints JSON or text. */
async function runBench<R>(
  title: string,
  opts: CommonOpts,
  bench: (onProgress: OnProgress) => Promise<R>,
  print: (r: R) => void,
  after?: (r: R) => Promise<void>,
) {
  const bar = progressBar(title, !opts.json && process.stderr.isTTY === true);
  const r = await bench((phase, done, total) => bar.update(done, total, phase));
  bar.stop();
  if (opts.json) console.log(JSON.stringify(r, null, 2));
  else print(r);
  await after?.(r);
}

/** Fails in one line when the photos a benchmark needs are not in `dir`. */
function requirePhotos(dir: string, files: readonly string[]): void {
  const missing = files.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length)
    throw new UsageError(
      `no ${missing.join(' or ')} in ${dir}: give --photos DIR (the shared photos: ${files.join(', ')}) or set RANFER_PHOTOS`,
    );
}

/** The compared models; the two others are development dependencies, so say how to get them. */
async function compareAdapters(modelDir: string): Promise<Array<() => Promise<EmotionAdapter>>> {
  try {
    const { humanModelDir } = await import('../lab/bench/compare/human-adapter.js');
    humanModelDir();
  } catch {
    throw new DataError(
      'bench compare needs @vladmandic/human (a development dependency): run npm install in a checkout of ranfer',
    );
  }
  const { humanAdapter } = await import('../lab/bench/compare/human-adapter.js');
  const { faceApiAdapter } = await import('../lab/bench/compare/faceapi-adapter.js');
  const { ranferAdapter } = await import('../lab/bench/compare/ranfer-adapter.js');
  // ranfer on ONNX Runtime too, where onnxruntime-node is installed.
  const { hasOnnxRuntime } = await import('../infer/onnx-emotion-net.js');
  const onnx = (await hasOnnxRuntime()) ? [() => ranferAdapter(modelDir, 'onnx')] : [];
  return [() => ranferAdapter(modelDir), ...onnx, faceApiAdapter, humanAdapter];
}

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description(SUMMARIES.bench);
  registerEngineBench(bench);
  registerInferBench(bench);
  registerOnnxBench(bench);
  registerPhotoBench(bench);
  registerDetectBench(bench);
  registerCompareBench(bench);
}

function registerEngineBench(bench: Command): void {
  benchCommand(
    bench,
    'engine',
    'training engine: forward and training-step throughput of a residual CNN (48x48, batch 64) on 1 and 2 workers',
  )
    .option('--batch <n>', 'batch size', positiveInt, 64)
    .option(
      '--steps <n>',
      'timed rounds (each: a step on 1 worker, a forward pass, a step on 2 workers)',
      positiveInt,
      6,
    )
    .option('--warmup <n>', 'untimed rounds first', positiveInt, 2)
    .action((opts: CommonOpts & { batch: number; steps: number; warmup: number }) =>
      runBench(
        'bench engine',
        opts,
        async (onProgress) =>
          (await import('../lab/bench/engine-bench.js')).runEngineBench({ ...opts, onProgress }),
        (r) => {
          console.log(
            `engine benchmark: ${r.backend} backend, batch ${r.batch}, ${r.mflopsPerImage.toFixed(1)} MFLOP per 48x48 image (forward)`,
          );
          console.table({
            forward: { 'images/s': r.forwardImgPerSec.toFixed(1), GFLOPS: r.forwardGflops.toFixed(1) },
            'train, 1 worker': {
              'images/s': r.trainImgPerSec1.toFixed(1),
              GFLOPS: r.trainGflops1.toFixed(1),
            },
            'train, 2 workers': {
              'images/s': r.trainImgPerSec2.toFixed(1),
              GFLOPS: r.trainGflops2.toFixed(1),
            },
          });
          console.log(`training step / forward time: ${r.trainToForwardRatio.toFixed(2)}x`);
          const [low, high] = r.twoWorkerSpeedupRange;
          console.log(
            `2-worker speedup: ${r.twoWorkerSpeedup.toFixed(2)}x (single rounds ${low.toFixed(2)}-${high.toFixed(2)}x)`,
          );
          console.log('one layer, forward + both gradients, one thread:');
          console.table(
            Object.fromEntries(
              r.layers.map((l) => [l.layer, { ms: l.ms.toFixed(1), GFLOPS: l.gflops.toFixed(2) }]),
            ),
          );
        },
      ),
    );
}

function registerInferBench(bench: Command): void {
  benchCommand(
    bench,
    'infer',
    'inference: ms per aligned face at batch 1, faces/s at batch 64 (1 thread and 2 workers), and on ONNX Runtime when installed',
  )
    .addOption(modelOption())
    .option('--repeats <n>', 'timed batches of 64 (batch 1 runs 4x as many)', positiveInt, 10)
    .option('--workers <n>', 'worker threads for the batch-64 figure', positiveInt, 2)
    .option(
      '--ensemble <dirs>',
      "an ensemble timed beside the model in the same rounds: model folders joined by commas, or 'ensemble' (the shipped accuracy mode)",
      'ensemble',
    )
    .option('--no-ensemble', 'time no ensemble')
    .action(
      (opts: CommonOpts & { model: string; repeats: number; workers: number; ensemble: string | false }) =>
        runBench(
          'bench infer',
          opts,
          async (onProgress) =>
            (await import('../lab/bench/infer-bench.js')).runInferBench({
              modelDir: opts.model,
              backend: opts.backend,
              repeats: opts.repeats,
              workers: opts.workers,
              ensembleDirs: opts.ensemble === false ? undefined : modelDirs(opts.ensemble),
              onProgress,
            }),
          (r) => {
            console.log(
              `inference benchmark: ${r.backend} backend, ${r.mflopsPerFace.toFixed(1)} MFLOP per face, model ${r.model}`,
            );
            console.log(`batch 1: ${r.msPerFaceBatch1.toFixed(2)} ms per face`);
            console.log(
              `batch 64: ${r.facesPerSecBatch64OneThread.toFixed(1)} faces/s in one thread, ${r.facesPerSecBatch64.toFixed(1)} faces/s on ${r.workers} workers`,
            );
            if (r.onnx)
              console.log(
                `onnxruntime (backend 'onnx', ${r.onnx.threads} threads): ${r.onnx.msPerFaceBatch1.toFixed(2)} ms per face at batch 1 (${r.onnx.batch1Ratio.toFixed(2)}x), ${r.onnx.facesPerSecBatch64OneThread.toFixed(1)} faces/s at batch 64 (${r.onnx.batch64Ratio.toFixed(2)}x)`,
              );
            else console.log('onnxruntime: not installed (npm install onnxruntime-node to compare)');
            if (r.ensemble)
              console.log(
                `ensemble of ${r.ensemble.models.length} (${r.ensemble.models.map((m) => path.basename(m)).join(', ')}): ${r.ensemble.msPerFaceBatch1.toFixed(2)} ms per face at batch 1 (${r.ensemble.batch1CostRatio.toFixed(2)}x the model's time), ${r.ensemble.facesPerSecBatch64OneThread.toFixed(1)} faces/s at batch 64 in one thread (${r.ensemble.batch64CostRatio.toFixed(2)}x)`,
              );
          },
        ),
    );
}

function registerOnnxBench(bench: Command): void {
  dataOptions(
    bench
      .command('onnx')
      .description(
        'the ONNX export on onnxruntime-node against TensorFlow.js WASM: largest difference over the FERPlus test faces, ms per face at batch 1, faces/s at batch 64',
      ),
  )
    .addOption(modelOption())
    .option('--faces <n>', 'test faces to compare (default: all)', positiveInt)
    .option('--repeats <n>', 'timed batches of 64 (batch 1 runs 4x as many)', positiveInt, 10)
    .option('--json', 'print one JSON object')
    .action(
      (opts: {
        data: string;
        cacheDir: string;
        model: string;
        faces?: number;
        repeats: number;
        json?: boolean;
      }) =>
        runBench(
          'bench onnx',
          { backend: 'wasm', json: opts.json },
          async (onProgress) =>
            (await import('../lab/bench/onnx-bench.js')).runOnnxBench({
              modelDir: opts.model,
              dataDir: opts.data,
              cacheDir: opts.cacheDir,
              faces: opts.faces,
              repeats: opts.repeats,
              onProgress,
            }),
          (r) => {
            console.log(
              `ONNX export of ${r.model} (${(r.onnxBytes / 1024 / 1024).toFixed(1)} MiB) against ranfer on ${r.faces} FERPlus test faces`,
            );
            console.log(
              `largest probability difference: ${r.maxAbsDiffProbabilities.toExponential(2)}; top emotion differs on ${r.topDisagreements} faces`,
            );
            console.table(
              r.speeds.map((s) => ({
                engine: s.engine,
                threads: s.threads,
                'ms/face, batch 1': s.msPerFaceBatch1.toFixed(2),
                'faces/s, batch 64': s.facesPerSecBatch64.toFixed(0),
              })),
            );
            for (const x of r.ratios)
              console.log(
                `onnxruntime on ${x.threads} thread(s) / TensorFlow.js WASM: ${x.batch1.toFixed(2)}x at batch 1, ${x.batch64.toFixed(2)}x at batch 64`,
              );
          },
        ),
    );
}

function registerPhotoBench(bench: Command): void {
  benchCommand(
    bench,
    'photo',
    'photos end to end (decode, detection, landmarks, alignment, RAN): ms per 1366x768 image with one face, ms per face on bbt1.jpg',
  )
    .option('--photos <dir>', 'folder with happy.jpg and bbt1.jpg', defaultPhotosDir())
    .addOption(modelOption())
    .addOption(new Option('--detector <kind>', 'face detector').choices(['tiny', 'ssd']).default('tiny'))
    .option('--repeats <n>', 'timed runs per photo', positiveInt, 10)
    .option('--tta', 'average each face with its mirror image (flip test-time augmentation)')
    .option(
      '--folder <n>',
      'instead: the throughput of a folder of n photos (the shared photos in turn) on 1 and --workers threads',
      positiveInt,
    )
    .option('--workers <n>', 'with --folder: worker threads to compare with one', positiveInt, 2)
    .option(
      '--rounds <n>',
      'with --folder: rounds of 1 worker then --workers; the speedup is the median of the rounds',
      positiveInt,
      3,
    )
    .action(async (opts: PhotoOpts & { folder?: number; workers: number; rounds: number }) => {
      requirePhotos(opts.photos, ['happy.jpg', 'bbt1.jpg']);
      if (opts.folder !== undefined) {
        const images = opts.folder;
        return runBench(
          'bench photo --folder',
          opts,
          async (onProgress) =>
            (await import('../lab/bench/folder-bench.js')).runFolderBench({
              photosDir: opts.photos,
              modelDir: opts.model,
              backend: opts.backend,
              images,
              workers: opts.workers,
              rounds: opts.rounds,
              onProgress,
            }),
          (r) => {
            console.log(`a folder of ${r.images} photos through recognizeMany (models loaded in each run)`);
            console.table(
              r.runs.map((x) => ({
                round: x.round + 1,
                workers: x.workers,
                seconds: x.seconds.toFixed(1),
                'images/s': x.imagesPerSec.toFixed(2),
                faces: x.faces,
                'CPU s': x.cpuSeconds.toFixed(1),
                'cores busy': x.coresBusy.toFixed(2),
              })),
            );
            const each = r.speedups.map((x) => `${x.toFixed(2)}x`).join(', ');
            console.log(
              `speedup on ${r.runs.at(-1)?.workers} workers: ${r.speedup.toFixed(2)}x (median of the rounds: ${each})`,
            );
          },
        );
      }
      return runBench(
        'bench photo',
        opts,
        async (onProgress) =>
          (await import('../lab/bench/photo-bench.js')).runPhotoBench({
            photosDir: opts.photos,
            modelDir: opts.model,
            backend: opts.backend,
            detector: opts.detector,
            flipTta: opts.tta ?? false,
            repeats: opts.repeats,
            onProgress,
          }),
        (r) => {
          console.log(
            `photo benchmark: ${r.backend} backend, ${r.detector} detector${r.flipTta ? ', flip TTA' : ''}, median of ${r.repeats} rounds (each pipeline in turn)`,
          );
          const row = (c: PhotoBenchCase) => ({
            size: `${c.width}x${c.height}`,
            faces: c.faces,
            'ms/image': c.msPerImage.toFixed(1),
            'ms/face': c.msPerFace.toFixed(1),
            'decode ms': c.stages.decodeMs.toFixed(1),
            'detect+landmarks ms': c.stages.detectMs.toFixed(1),
            'align ms': c.stages.alignMs.toFixed(1),
            'RAN ms': c.stages.classifyMs.toFixed(1),
          });
          const onnx = r.onnx;
          console.table({
            [r.oneFace.photo]: row(r.oneFace),
            [r.group.photo]: row(r.group),
            ...(onnx && { [onnx.oneFace.photo]: row(onnx.oneFace), [onnx.group.photo]: row(onnx.group) }),
          });
          console.log(`one face: ${r.oneFace.msPerImage.toFixed(1)} ms per image`);
          for (const k of ['oneFace', 'group'] as const) {
            const f = r.faceApi[k];
            const withOnnx = onnx
              ? `, with backend 'onnx' ${(onnx[k].msPerImage / f.msPerImage).toFixed(2)}x`
              : '';
            console.log(
              `face-api.js's own pipeline on ${f.photo}: ${f.msPerImage.toFixed(1)} ms, ${f.faces} faces; ranfer takes ${(r[k].msPerImage / f.msPerImage).toFixed(2)}x its time${withOnnx}`,
            );
          }
        },
      );
    });
}

function registerDetectBench(bench: Command): void {
  benchCommand(
    bench,
    'detect',
    'face detection on images of known face counts built from the shared photos (group photos, tight crops, turned photos, images without faces): faces found, false faces and ms per image for each detector setting',
  )
    .alias('groups')
    .option(
      '--photos <dir>',
      'folder with the shared photos (7 single faces and bbt1.jpg)',
      defaultPhotosDir(),
    )
    .action(async (opts: CommonOpts & { photos: string }) => {
      const { GROUP_PHOTOS } = await import('../lab/bench/detect-bench.js');
      requirePhotos(
        opts.photos,
        GROUP_PHOTOS.map(([f]) => f),
      );
      return runBench(
        'bench detect',
        opts,
        async (onProgress) =>
          (await import('../lab/bench/detect-bench.js')).runDetectBench({
            photosDir: opts.photos,
            backend: opts.backend,
            onProgress,
          }),
        (rows) => {
          console.log(
            'face detection on images of known face counts (recognize() decoding and face finding)',
          );
          console.table(
            rows.map((r) => ({
              setting: r.setting,
              images: `${r.set} (${r.images})`,
              faces: r.faces,
              found: r.found,
              recall: r.recall === null ? '' : `${(100 * r.recall).toFixed(1)}%`,
              'false faces': r.falseFaces,
              'ms/image': r.msPerImage.toFixed(0),
            })),
          );
        },
      );
    });
}

function registerCompareBench(bench: Command): void {
  dataOptions(
    bench
      .command('compare')
      .description(
        "ranfer against face-api.js's FaceExpressionNet and Human's emotion model on the FERPlus test set and its subsets",
      ),
  )
    .addOption(modelOption('ranfer model folder'))
    .option('--repeats <n>', 'timed batches of 64 per model (batch 1 runs 4x as many)', positiveInt, 5)
    .option('--out <file.md>', 'write the markdown table (docs/benchmarks.md)')
    .option(
      '--faces <dirs...>',
      'folders of labelled face crops from other datasets to compare on (ranfer eval --faces)',
      [defaultFacesDir()],
    )
    .option('--no-faces', 'FERPlus sets only')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        data: string;
        cacheDir: string;
        model: string;
        repeats: number;
        faces: string[] | false;
        out?: string;
        json?: boolean;
      }) => {
        const adapters = await compareAdapters(opts.model);
        const { compareMarkdown, runCompareBench } = await import('../lab/bench/compare/compare-bench.js');
        await runBench(
          'bench compare',
          { backend: 'wasm', json: opts.json },
          (onProgress) =>
            runCompareBench({
              dataDir: opts.data,
              cacheDir: opts.cacheDir,
              models: adapters,
              repeats: opts.repeats,
              faces: opts.faces || [],
              onProgress,
            }),
          (r) => {
            console.log(compareMarkdown(r, 'ranfer bench compare'));
          },
          async (r) => {
            if (opts.out) {
              await writeFileAtomic(opts.out, compareMarkdown(r, `ranfer bench compare --out ${opts.out}`));
              console.error(`wrote ${opts.out}`);
            }
          },
        );
      },
    );
}
