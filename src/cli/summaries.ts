/** One line per command, for the top-level help (the commands' own modules load only when run). */
export const SUMMARIES = {
  data: 'check a FERPlus folder, build its image cache, and report counts and load times',
  train: 'train a RAN on FERPlus (checkpoints every few minutes and every epoch; --resume continues exactly)',
  eval: 'evaluate a model on FERPlus (majority protocol, 8 classes), its occlusion / pose subsets, or a folder of labelled face crops',
  ablate:
    'train (or resume) and evaluate the ablation rows with one budget: whole face only, no region biased loss, full RAN, wide tail, and the levers on it',
  ship: 'make a training run the shipped model: copy, evaluate, confusion images, model card, README table',
  predict: 'find the faces of photos and recognise their emotions',
  video: 'the emotions of the faces of a video over time: CSV, JSON and a summary per person (needs ffmpeg)',
  export: 'write a model (the shipped one or any run) as an ONNX graph for ONNX Runtime, Triton or ORT Web',
  report: 'write a self-contained HTML report: accuracy, confusion matrices, region attention, a gallery',
  serve: 'serve the web demo (webcam and photos, in the browser) and the HTTP API (POST /api/recognize)',
  bench: 'benchmarks (each prints its figures; --json for machines)',
  regions: "draw a RAN model's fixed regions over a FERPlus test face",
} as const;

export type CommandName = keyof typeof SUMMARIES;
