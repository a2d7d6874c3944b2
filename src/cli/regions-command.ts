/** `ranfer regions`: draws a RAN model's regions over a FERPlus face (the picture in docs/regions.png). */
import type { Command } from 'commander';
import { IMAGE_SIZE, loadSplit } from '../data/ferplus.js';
import { writeChart } from '../eval/charts.js';
import { regionFigureSpec } from '../eval/region-figure.js';
import { defaultModelDir } from '../infer/face-model.js';
import { loadModel } from '../model/io.js';
import { dataOptions } from './defaults.js';

export function registerRegionsCommand(program: Command): void {
  dataOptions(
    program
      .command('regions')
      .description("draw a RAN model's fixed regions over a FERPlus test face")
      .option('--model <dir>', 'model folder whose regions are drawn', defaultModelDir()),
  )
    .option('--image <name>', 'test image to draw on', 'fer0032222.png')
    .option('--out <file>', 'output image (.png or .svg)', 'regions.png')
    .action(async (opts: { model: string; data: string; cacheDir: string; image: string; out: string }) => {
      const network = (await loadModel(opts.model)).manifest.network;
      if (network.kind !== 'ran') throw new Error(`${opts.model}: a ${network.kind} network has no regions`);
      const test = (await loadSplit(opts.data, 'test', { cacheDir: opts.cacheDir })).data;
      const i = test.names.indexOf(opts.image);
      if (i < 0) throw new Error(`${opts.image} is not in FER2013Test`);
      const px = IMAGE_SIZE * IMAGE_SIZE;
      const face = test.pixels.subarray(i * px, (i + 1) * px);
      const spec = regionFigureSpec(face, IMAGE_SIZE, network.regions, `RAN regions on ${opts.image}`);
      await writeChart(spec, opts.out);
      console.log(`written ${opts.out}`);
    });
}
