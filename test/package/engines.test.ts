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
  packages: Record<
    string,
    { engines?: { node?: string }; optional?: boolean; os?: string[]; cpu?: string[] }
  >;
};

describe('engines', () => {
  it('every locked package for this system accepts the oldest Node that package.json states, and the one running', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBe('20.19.0');
    const unhappy = Object.entries(lock.packages)
      .filter(([name, p]) => name && p.engines?.node)
      // Binaries for other systems (sharp's for 32-bit Windows wants Node 20) never install here.
      .filter(
        ([, p]) => (!p.os || p.os.includes(process.platform)) && (!p.cpu || p.cpu.includes(process.arch)),
      )
      .filter(
        ([, p]) =>
          !semver.satisfies(oldest ?? '', p.engines?.node ?? '*') ||
          !semver.satisfies(process.versions.node, p.engines?.node ?? '*'),
      )
      .map(([name, p]) => `${name} wants node ${p.engines?.node}`);
    expect(unhappy).toEqual([]);
  });
});
