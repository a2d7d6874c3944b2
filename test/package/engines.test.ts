/** The Node versions package.json states are true of every package an install brings in. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string }; optional?: boolean }>;
};

describe('engines', () => {
  it('every locked package accepts the oldest Node that package.json states, and the one running', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBe('20.19.0');
    const unhappy = Object.entries(lock.packages)
      .filter(([name, p]) => name && p.engines?.node)
      .filter(
        ([, p]) =>
          !semver.satisfies(oldest ?? '', p.engines?.node ?? '*') ||
          !semver.satisfies(process.versions.node, p.engines?.node ?? '*'),
      )
      .map(([name, p]) => `${name} wants node ${p.engines?.node}`);
    expect(unhappy).toEqual([]);
  });
});
