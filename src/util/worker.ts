/** Worker threads that run a sibling module of the caller, in the built JavaScript or, under the test runner, its TypeScript source. */
import { Worker } from 'node:worker_threads';

/** Starts a worker on the module `name` (no extension) beside the module whose URL is `caller`. */
export function spawnSibling(caller: string, name: string): Worker {
  const self = new URL(caller);
  if (self.pathname.endsWith('.ts')) {
    // Under the test runner the caller is TypeScript source: the worker loads its source through tsx.
    const entry = JSON.stringify(new URL(`./${name}.ts`, self).href);
    const code = `import('tsx/esm/api').then((m) => m.tsImport(${entry}, ${JSON.stringify(self.href)}))`;
    return new Worker(code, { eval: true });
  }
  return new Worker(new URL(`./${name}.js`, self));
}
