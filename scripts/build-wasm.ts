// Assembles ranfer's WebAssembly SIMD kernels (src/engine/kernels/simd.wat) into
// src/engine/kernels/simd-wasm.ts, the module's bytes in base64. Run `npm run build:wasm` after editing
// the .wat; a test checks that the committed bytes are those of the source.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import wabt from 'wabt';

const dir = path.resolve(import.meta.dirname, '../src/engine/kernels');

/** The binary module of a WAT text, with SIMD enabled. */
export async function assemble(text: string): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat('simd.wat', text, { simd: true });
  try {
    mod.validate();
    return Uint8Array.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

/** The TypeScript module holding `bytes`. */
export function simdModuleSource(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,100}/g) ?? [];
  return `// Assembled from simd.wat by scripts/build-wasm.mjs: do not edit.\nexport const SIMD_WASM_BASE64 =\n${lines.map((l) => `  '${l}'`).join(' +\n')};\n`;
}

export const simdDir = dir;

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = await assemble(readFileSync(path.join(dir, 'simd.wat'), 'utf8'));
  writeFileSync(path.join(dir, 'simd-wasm.ts'), simdModuleSource(bytes));
  console.log(`simd-wasm.ts: ${bytes.length} bytes`);
}
