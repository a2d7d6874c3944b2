/** The API reference generates from the types of the public entry without a warning (every type it names is exported). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('API reference (TypeDoc)', () => {
  it('builds from src/index.ts with warnings treated as errors', () => {
    const out = execFileSync('npx', ['typedoc', '--emit', 'none'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    expect(out).not.toMatch(/warning|error/i);
  });
});
