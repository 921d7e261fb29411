// `syncstorm chaos` progress while the seeds run: a cli-progress bar on a TTY (seeds, failing,
// rate, ETA; by fraction of the budget under --budget), otherwise one plain line every 5 s.

import type { SeedCheck } from '../../scenarios/chaos/run-seed.ts';
import type { Modules } from './chaos-modules.ts';

/** Non-TTY progress: one line this often. */
const PROGRESS_LINE_MS = 5_000;

export interface Progress {
  readonly tick: (check: SeedCheck) => void;
  stop(): void;
}

export async function startProgress(options: { total: number; startedMs: number; deadline: number | undefined; m: Modules }): Promise<Progress> {
  const { total, startedMs, deadline, m } = options;
  let done = 0;
  let failing = 0;
  const stats = (): { seeds: string; failing: string; rate: string; etaText: string; fraction: number } => {
    const elapsedMs = performance.now() - startedMs;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const remainingMs = deadline !== undefined ? Math.max(0, deadline - performance.now()) : rate > 0 ? ((total - done) / rate) * 1000 : NaN;
    const fraction = deadline !== undefined ? Math.min(1, elapsedMs / Math.max(1, deadline - startedMs)) : total > 0 ? done / total : 1;
    return {
      seeds: deadline !== undefined ? `${done} seeds` : `${done}/${total} seeds`,
      failing: `${failing} failing`,
      rate: `${rate.toFixed(1)} seeds/s`,
      etaText: Number.isFinite(remainingMs) ? `ETA ${m.formatMs(remainingMs)}` : 'ETA —',
      fraction,
    };
  };
  const count = (check: SeedCheck): void => {
    done++;
    if (!check.ok) failing++;
  };
  if (process.stderr.isTTY === true) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      // {etaText}, not {eta}: cli-progress fills {eta} itself.
      { format: 'chaos [{bar}] {seeds} · {failing} · {rate} · {etaText}', stream: process.stderr, hideCursor: true, barsize: 30, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    const scale = 1000;
    const s0 = stats();
    bar.start(scale, 0, s0);
    const refresh = (): void => {
      const s = stats();
      bar.update(Math.round(s.fraction * scale), s);
    };
    const timer = setInterval(refresh, 500);
    timer.unref();
    return {
      tick: (check) => {
        count(check);
        refresh();
      },
      stop: () => {
        clearInterval(timer);
        refresh();
        bar.stop();
      },
    };
  }
  const line = (): void => {
    const s = stats();
    process.stderr.write(`chaos: ${s.seeds} · ${s.failing} · ${s.rate} · ${s.etaText}\n`);
  };
  const timer = setInterval(line, PROGRESS_LINE_MS);
  timer.unref();
  return {
    tick: count,
    stop: () => {
      clearInterval(timer);
      line();
    },
  };
}
