/** Progress bars on stderr (only when it is a terminal, so piped and --json output stays clean). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, label?: string): void;
  /**
   * Prints `text` (to stdout, or stderr) above the bar: the bar's line is cleared first and drawn again
   * below the text, so output and bar never share a line.
   */
  log(text: string, to?: 'stdout' | 'stderr'): void;
  stop(): void;
}

export function progressBar(title: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled)
    return {
      update() {},
      log(text, to = 'stdout') {
        (to === 'stderr' ? console.error : console.log)(text);
      },
      stop() {},
    };
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {value}/{total} | {label} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
      // Long output lines printed through log() wrap as usual; the bar is removed when it stops.
      linewrap: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label = '') {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    log(text, to = 'stdout') {
      if (started) process.stderr.write('\r\x1b[2K');
      (to === 'stderr' ? console.error : console.log)(text);
      if (!started) return;
      // The bar returns to the cursor position it saved when it stops: save the new one, below the text.
      (bar as unknown as { terminal: { cursorSave(): void } }).terminal.cursorSave();
      bar.render();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
