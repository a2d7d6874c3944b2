/** `ranfer export OUT.onnx`: a model as an ONNX graph for other inference engines. */
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../util/atomic.js';
import { modelOption } from './defaults.js';
import { UsageError } from './errors.js';
import { nonNegativeNumber } from './parse.js';
import { SUMMARIES } from './summaries.js';

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(SUMMARIES.export)
    .argument('<out>', 'output file (.onnx)')
    .addOption(modelOption())
    .addOption(new Option('--format <format>', 'output format').choices(['onnx']).default('onnx'))
    .option(
      '--prior-weight <w>',
      "weight of the training data's class frequencies in the graph's probabilities (default: the model's)",
      nonNegativeNumber,
    )
    .option('--json', 'print the graph signature as JSON')
    .action(async (out: string, opts: { model: string; priorWeight?: number; json?: boolean }) => {
      const { exportOnnx } = await import('../export/onnx-model.js');
      const { loadModel } = await import('../model/io.js');
      if (!out.endsWith('.onnx')) throw new UsageError(`the output file should end in .onnx, got ${out}`);
      const weights = await loadModel(opts.model);
      const { bytes, signature } = exportOnnx(weights, { priorWeight: opts.priorWeight });
      await writeFileAtomic(out, bytes);
      if (opts.json) {
        console.log(JSON.stringify({ file: out, bytes: bytes.length, ...signature }, null, 2));
        return;
      }
      const dims = (s: (string | number)[]) => `[${s.join(', ')}]`;
      console.log(
        `wrote ${out} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB, ONNX opset 17) from ${opts.model}`,
      );
      console.log(
        `input  ${signature.input.name} float32 ${dims(signature.input.shape)}: ${signature.input.description}`,
      );
      for (const o of signature.outputs)
        console.log(`output ${o.name} float32 ${dims(o.shape)}: ${o.description}`);
      console.log(`classes: ${signature.classes.join(', ')}`);
      if (signature.regions.length) console.log(`regions: ${signature.regions.join(', ')}`);
    });
}
