/**
 * The import rules of `src/`: no file imports itself back through a cycle, and every import between
 * folders points down the layers below (a folder may import from its own folder and from lower layers,
 * never from its own layer's other folders or from above). The library's entries sit above the library
 * layers and below the maintainer tools, which the library never imports.
 *
 * Run: npx tsx scripts/check-layers.ts [--mermaid]   (exits 1 and lists each offence when a rule breaks)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Bottom to top. Each entry is one layer: the folders of `src/` (or top-level files) in it. The lab's folders
 * (`lab/…`) are units of their own: they sit above the library and below the command line.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['util', 'engine'], // shared helpers; TensorFlow.js backends and kernels
  ['data', 'nn', 'face'], // emotion names, colours and input errors; layers and parameters; images, detection, alignment
  ['model', 'video'], // networks, regions, weights format; video frames (ffmpeg), face tracks
  ['export'], // ONNX export
  ['infer'], // inference with trained weights (TensorFlow.js, or ONNX Runtime on the exported graph)
  ['api'], // the public recognizer
  ['index.ts', 'browser', 'server', 'plot'], // the library's entries (Node, browser); the HTTP service; charts
  ['lab/data'], // the lab: datasets, protocols, face crops for evaluation
  ['lab/parallel'], // worker threads over a network (gradients, predictions)
  ['lab/train'], // the training loop, its presets and teachers
  ['lab/eval'], // evaluation, ablation, model card
  ['lab/report', 'lab/bench'], // HTML reports; benchmarks
  ['cli'], // the command line
];

/** Folders the library (everything its entries reach) must never import. */
export const LAB = ['lab', 'cli'];

/** The library's entries; the second runs in browsers, so nothing it reaches may import Node's modules. */
export const ENTRIES = ['index.ts', 'browser/index.ts'];
const BROWSER_ENTRY = 'browser/index.ts';
/** Packages that exist only in Node. */
const NODE_ONLY = /^(node:|sharp$|@tensorflow\/tfjs-node|fs$|path$|os$|url$|worker_threads$|child_process$)/;

export interface LayerReport {
  files: number;
  /** Each cycle as the files along it, first repeated at the end. */
  cycles: string[][];
  /** `from -> to`, for imports into the same layer's other folders or upward. */
  upward: string[];
  /** Library files (reached from an entry) that import a lab folder. */
  libraryToLab: string[];
  /** `file -> module` for Node-only modules imported by files the browser entry reaches. */
  browserToNode: string[];
  /** Folder-level edges `a -> b` with their import counts. */
  edges: Map<string, number>;
}

/** The unit a file belongs to: its top folder, or `lab/<folder>` inside the lab, or the file itself at the top. */
export const unitOf = (rel: string): string => {
  const parts = rel.split('/');
  if (parts.length === 1) return rel;
  return parts[0] === 'lab' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
};

function listTs(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p, base));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path.relative(base, p));
  }
  return out.sort();
}

/** Relative imports of one file (static, re-exports, type-only and dynamic), as paths relative to `root`. */
function specifiersOf(root: string, rel: string): string[] {
  return ts
    .preProcessFile(readFileSync(path.join(root, rel), 'utf8'), true, true)
    .importedFiles.map((f) => f.fileName);
}

function importsOf(root: string, rel: string): string[] {
  return specifiersOf(root, rel)
    .filter((s) => s.startsWith('.'))
    .map((s) =>
      path.relative(root, path.resolve(path.dirname(path.join(root, rel)), s)).replace(/\.js$/, '.ts'),
    );
}

/** Checks the tree under `root` (normally `src/`) against `layers`. */
export function checkLayers(root: string, layers = LAYERS, lab = LAB): LayerReport {
  const files = listTs(root);
  const graph = new Map(files.map((f) => [f, importsOf(root, f).filter((t) => files.includes(t))]));
  const rank = new Map<string, number>();
  layers.forEach((units, i) => {
    for (const u of units) rank.set(u, i);
  });

  const upward: string[] = [];
  const edges = new Map<string, number>();
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const a = unitOf(from);
      const b = unitOf(to);
      if (a === b) continue;
      edges.set(`${a} -> ${b}`, (edges.get(`${a} -> ${b}`) ?? 0) + 1);
      const ra = rank.get(a);
      const rb = rank.get(b);
      if (ra === undefined || rb === undefined || rb >= ra) upward.push(`${from} -> ${to}`);
    }
  }

  // Cycles: Tarjan's strongly connected components; each component of more than one file holds one.
  const cycles: string[][] = [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = (graph.get(v) ?? []).includes(v);
    if (component.length > 1 || selfLoop) cycles.push([...component.reverse(), component[0]]);
  };
  for (const f of files) if (!index.has(f)) visit(f);

  const reach = (entries: string[]): Set<string> => {
    const seen = new Set<string>();
    const todo = entries.filter((e) => files.includes(e));
    while (todo.length) {
      const f = todo.pop() as string;
      if (seen.has(f)) continue;
      seen.add(f);
      todo.push(...(graph.get(f) ?? []));
    }
    return seen;
  };
  const libraryToLab = [...reach(ENTRIES)].filter((f) => lab.includes(f.split('/')[0]));
  const browserToNode = [...reach([BROWSER_ENTRY])].flatMap((f) =>
    specifiersOf(root, f)
      .filter((s) => NODE_ONLY.test(s))
      .map((s) => `${f} -> ${s}`),
  );

  return { files: files.length, cycles, upward, libraryToLab, browserToNode, edges };
}

/** The folder-level graph as a Mermaid flowchart, layers top to bottom. */
export function mermaid(report: LayerReport, layers = LAYERS): string {
  const id = (u: string) => u.replace(/\W/g, '_');
  const lines = ['flowchart TB'];
  [...layers].reverse().forEach((units, i) => {
    lines.push(`  subgraph L${layers.length - 1 - i}[" "]`, '    direction LR');
    for (const u of units) lines.push(`    ${id(u)}["${u}"]`);
    lines.push('  end');
  });
  for (const edge of [...report.edges.keys()].sort()) {
    const [a, b] = edge.split(' -> ');
    lines.push(`  ${id(a)} --> ${id(b)}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('check-layers.ts')) {
  const root = path.resolve(import.meta.dirname, '../src');
  const r = checkLayers(root);
  if (process.argv.includes('--mermaid')) console.log(mermaid(r));
  else {
    console.log(`${r.files} files, ${r.edges.size} folder edges`);
    for (const c of r.cycles) console.log(`cycle: ${c.join(' -> ')}`);
    for (const u of r.upward) console.log(`upward: ${u}`);
    for (const l of r.libraryToLab) console.log(`library imports the lab: ${l}`);
    for (const b of r.browserToNode) console.log(`the browser entry reaches Node: ${b}`);
    const bad = r.cycles.length + r.upward.length + r.libraryToLab.length + r.browserToNode.length;
    console.log(
      bad
        ? `${bad} offences`
        : 'no cycle, no upward import, no lab in the library, no Node in the browser entry',
    );
    process.exitCode = bad ? 1 : 0;
  }
}
