/**
 * `ranfer predict` in a real terminal (tmux, 120x40): the progress bar never lands inside the tables and
 * the summary overwrites nothing. Needs tmux (`.ci/run` installs it).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PHOTOS } from '../helpers.js';

const run = promisify(execFile);
const MAIN = path.resolve(__dirname, '../../dist/cli/main.js');

describe('ranfer predict in a terminal', () => {
  it('prints every table whole, the bar apart, and the summary last', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-tty-'));
    const names = ['angry.jpg', 'happy.jpg', 'neutral.jpg', 'sad.jpg', 'surprised.jpg'];
    for (const f of names) await cp(path.join(PHOTOS, f), path.join(dir, f));
    const session = `ranfer-test-${process.pid}`;
    const done = path.join(dir, 'done');
    await run('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '40',
      `node ${MAIN} predict ${dir}; touch ${done}; sleep 60`,
    ]);
    try {
      const { existsSync } = await import('node:fs');
      for (let i = 0; i < 240 && !existsSync(done); i++) await new Promise((r) => setTimeout(r, 500));
      expect(existsSync(done)).toBe(true);
      const { stdout } = await run('tmux', ['capture-pane', '-p', '-t', session, '-S', '-100']);
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      for (const f of names) {
        const at = lines.indexOf(`${path.join(dir, f)}: 1 face`);
        expect(at, `${f}: ${stdout}`).toBeGreaterThanOrEqual(0);
        expect(lines[at + 1]).toMatch(/^ {2}face {2}box \(x,y wxh\)/);
        expect(lines[at + 2]).toMatch(/^ {2}1 +\d+,\d+ \d+x\d+/);
      }
      // The bar's line never shares a line with a table row, and the summary comes after every table.
      expect(lines.filter((l) => l.includes('predict [') && l.includes('face')).length).toBe(0);
      expect(lines.at(-1)).toBe('5 inputs, 5 faces');
    } finally {
      await run('tmux', ['kill-session', '-t', session]).catch(() => {});
    }
  }, 150_000);
});
