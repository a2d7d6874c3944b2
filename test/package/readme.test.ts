/**
 * The README as a package page: short, its images absolute URLs of files the tarball holds (so they show on
 * the registry), its links to docs resolving; and no page of the repository narrates its own making.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

describe('README', () => {
  it('is a user page of at most 220 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(220);
    for (const heading of [
      '## Install',
      '## Quick start',
      '## API',
      '## Command line',
      '## Licence and citation',
    ])
      expect(readme).toContain(heading);
  });

  it('shows images by absolute URLs of files in the published package', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const files = new Set(packed[0].files.map((f) => f.path));
    const prefix = `https://cdn.jsdelivr.net/npm/${pkg.name}@${pkg.version}/`;
    for (const url of images) {
      expect(url.startsWith(prefix), url).toBe(true);
      expect(files.has(url.slice(prefix.length)), url).toBe(true);
    }
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?!https?:)[^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(existsSync(path.join(ROOT, link)), link).toBe(true);
  });
});

describe('the repository', () => {
  const pages = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    'models/ferplus-ran/README.md',
  ];

  it('narrates no rounds of work, machines of the day or issue numbers in its pages', () => {
    for (const page of pages) {
      const text = readFileSync(path.join(ROOT, page), 'utf8');
      for (const pattern of [
        /\bsessions?\b/i,
        /\bVMs?\b/,
        /\bissue #?\d+/i,
        /\bthis machine\b/i,
        /measured here/i,
      ])
        expect(text, `${page}: ${pattern}`).not.toMatch(pattern);
    }
  });
});
