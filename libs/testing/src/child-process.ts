import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface LoggedProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (appended); the file is closed once both streams have closed. */
  logFile: string;
}

/** Starts a process whose output goes to a log file, for a test to read when something fails. */
export function spawnLogged(command: string, args: readonly string[], options: LoggedProcessOptions): ChildProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Two streams into one file: neither may end it, or the other's last lines would be written after its end.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
  return child;
}

export interface StopOptions {
  /** SIGTERM (default) for a graceful stop, SIGKILL for a crash. */
  signal?: NodeJS.Signals;
  /** After this long without an exit, SIGKILL. */
  graceMs?: number;
}

/** Sends `signal` and waits until the process has exited; at once when it had already exited. */
export async function stopChild(child: ChildProcess, { signal = 'SIGTERM', graceMs = 10_000 }: StopOptions = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
