import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web demo: built into dist-web/, which `ranfer serve` serves with the model files.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // The demo imports ranfer like any app: through its browser entry (built into dist/browser by tsc).
  resolve: {
    alias: { 'ranfer/browser': fileURLToPath(new URL('../dist/browser/index.js', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist-web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    target: 'es2022',
  },
  server: {
    // `vite web` during development: the API and model files come from `ranfer serve` on 8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/models': 'http://127.0.0.1:8080' },
  },
});
