/** `ranfer regions`: draws a RAN model's regions over a FERPlus face (the picture in docs/regions.png). */
import type { Command } from 'commander';
import { dataOptions, modelOption } from './defaults.js';
import { SUMMARIES } from './summaries.js';

export function registerRegionsCommand(program: Command): void {
  dataOptions(
    program
      .command('regions')
      .description(SUMMARIES.regions)
      .addOption(modelOption('model folder whose regions are drawn')),
  )
    .option('--image <name>', 'test image to draw on', 'fer0032222.png')
    .option('--out <file>', 'output image (.png or .svg)', 'regions.png')
    .action(async (opts: { model: string; data: string; cacheDir: string; image: string; out: string }) => {
      const { IMAGE_SIZE, loadSplit } = await import('../lab/data/ferplus.js');
      const { writeChart } = await import('../plot/charts.js');
      const { regionFigureSpec } = await import('../lab/eval/region-figure.js');
      const { loadModel } = await import('../model/io.js');
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
