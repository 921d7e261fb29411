// Progress of one simulation run on stderr, for run, replay and trace (a 1,000-client hour
// takes seconds, 10,000 clients minutes): a cli-progress bar on a TTY (simulated time of the
// chaos phase, then converging; events), otherwise a plain line every 5 s of wall time, so a
// short run prints nothing and a CI log gets a line now and then. Then a line per later phase
// (checking, the report) once the run has been long enough to need one.

import type { RunProgress } from '../../sim/runner.ts';

/** Non-TTY: one line this often; and phases are told once the work has taken this long. */
const QUIET_MS = 5_000;

export interface SimulationProgress {
  /** Pass as runSimulation's onProgress. */
  readonly onProgress: (progress: RunProgress) => void;
  /** The simulation is over: remove the bar. */
  stop(): void;
  /** A later phase ('checking 12 properties'), told when the work so far took long enough to wonder. */
  phase(text: string): void;
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(1);
}

/** How far the run got: '23.4 of 60.0 simulated min · 412,345 events'. */
function whereText(p: RunProgress): string {
  const where = p.simulatedMs <= p.durationMs ? `${minutes(p.simulatedMs)} of ${minutes(p.durationMs)} simulated min` : `converging at ${minutes(p.simulatedMs)} simulated min`;
  return `${where} · ${p.events.toLocaleString('en-US')} events`;
}

export async function simulationProgress(label: string): Promise<SimulationProgress> {
  const startedMs = performance.now();
  const phase = (text: string): void => {
    if (performance.now() - startedMs >= QUIET_MS) process.stderr.write(`${label}: ${text} …\n`);
  };
  if (process.stderr.isTTY !== true) {
    let lastLineMs = startedMs;
    return {
      onProgress: (p) => {
        const nowMs = performance.now();
        if (nowMs - lastLineMs < QUIET_MS) return;
        lastLineMs = nowMs;
        process.stderr.write(`${label}: ${whereText(p)}\n`);
      },
      stop: () => {},
      phase,
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  // The run is synchronous: the bar redraws within update() (synchronousUpdate), never from a timer.
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {where}`, stream: process.stderr, hideCursor: true, barsize: 30, fps: 10, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    onProgress: (p) => {
      const value = Math.min(1000, Math.round((1000 * p.simulatedMs) / Math.max(1, p.durationMs)));
      const where = whereText(p);
      if (!started) {
        started = true;
        bar.start(1000, value, { where });
      } else bar.update(value, { where });
    },
    stop: () => {
      if (started) bar.stop();
    },
    phase,
  };
}
