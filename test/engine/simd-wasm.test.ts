/** The committed SIMD module is the one its WAT source assembles to (`npm run build:wasm` rewrites it). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { assemble, simdDir } from '../../scripts/build-wasm.js';
import { SIMD_WASM_BASE64 } from '../../src/engine/kernels/simd-wasm.js';

it('simd-wasm.ts holds the bytes of simd.wat', async () => {
  const bytes = await assemble(readFileSync(path.join(simdDir, 'simd.wat'), 'utf8'));
  expect(bytes.length).toBeGreaterThan(500);
  expect(Buffer.from(SIMD_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
});
