// The realnet server as a child process the runner can kill -9 and restart on the same lowdb
// file (and the same port when it is free, so the proxies' upstream stays valid). Every wait is
// bounded; stop() ends with SIGKILL if SIGTERM was not enough.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVER_ENTRY = fileURLToPath(new URL('./server-main.ts', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 5_000;
const STDERR_KEPT = 4_000;

export class ServerProcess {
  #child: ChildProcess | null = null;
  #port = 0;
  #stderr = '';
  /** Incarnations started so far (the history's server `instance`). */
  instance = 0;
  epoch = '';

  /** `bundle`: server-main.ts bundled (see scenarios/bundle.ts) to run with plain node; null: through tsx. */
  constructor(
    readonly dbPath: string,
    readonly bundle: string | null = null,
  ) {}

  get port(): number {
    return this.#port;
  }

  get up(): boolean {
    return this.#child !== null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get stderrTail(): string {
    return this.#stderr;
  }

  /** Starts on `port` (default: the previous one, or ephemeral the first time); tries an ephemeral port if it is taken. */
  async start(port = this.#port): Promise<void> {
    if (this.#child !== null) return;
    try {
      await this.#spawn(port);
    } catch (error) {
      if (port === 0 || !(error instanceof Error) || !error.message.includes('EADDRINUSE')) throw error;
      await this.#spawn(0);
    }
    this.instance++;
  }

  #spawn(port: number): Promise<void> {
    const args = this.bundle === null ? ['--import', 'tsx', SERVER_ENTRY] : [this.bundle];
    const child = spawn(process.execPath, [...args, this.dbPath, String(port)], { cwd: ROOT_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_KEPT);
    });
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    return new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => fail(new Error(`the server did not start within ${START_TIMEOUT_MS} ms: ${this.#stderr.trim()}`)), START_TIMEOUT_MS);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        if (this.#child === child) this.#child = null;
        reject(error);
      };
      child.once('exit', (code, signal) => fail(new Error(`the server exited before listening (code ${code}, signal ${signal}): ${this.#stderr.trim()}`)));
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        buffer += chunk;
        const newline = buffer.indexOf('\n');
        if (newline < 0) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => {
          if (this.#child === child) this.#child = null;
        });
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        try {
          const line = JSON.parse(buffer.slice(0, newline)) as { port: number; epoch: string };
          this.#port = line.port;
          this.epoch = line.epoch;
          resolve();
        } catch (error) {
          fail(new Error(`the server printed an unreadable first line: ${buffer.slice(0, newline)}`));
        }
      });
    });
  }

  /** kill -9; resolves once the process is gone. */
  async kill9(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** SIGTERM (clean close, everything written), SIGKILL after a bound. */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), EXIT_TIMEOUT_MS);
    });
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, EXIT_TIMEOUT_MS))]);
    }
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL if still running. */
  killNow(): void {
    const child = this.#child;
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
