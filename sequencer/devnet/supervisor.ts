/**
 * Keeps the devnet's services running as production's process managers would (docs/operations.md
 * section 4): a service that exits without being asked to is started again on its own data, after a
 * delay that grows while it keeps failing (1 s, doubling, at most 30 s; back to 1 s once it has run
 * for a minute). The others keep running meanwhile.
 */
import type { ChildProcess } from "node:child_process";

interface Service {
  name: string;
  start: () => ChildProcess;
  child: ChildProcess | null;
  delayMs: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

export class Supervisor {
  private readonly services: Service[] = [];
  private stopping = false;

  constructor(
    private readonly say: (line: string) => void,
    /** called after every (re)start, with each service's PID */
    private readonly onChange: (pids: Record<string, number>) => void = () => undefined,
  ) {}

  add(name: string, start: () => ChildProcess): void {
    const s: Service = { name, start, child: null, delayMs: 1000, startedAt: 0, timer: null };
    this.services.push(s);
    this.run(s);
  }

  pids(): Record<string, number> {
    return Object.fromEntries(this.services.map((s) => [s.name, s.child?.pid ?? 0]));
  }

  private run(s: Service): void {
    const c = s.start();
    s.child = c;
    s.startedAt = Date.now();
    c.once("exit", (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - s.startedAt > 60_000) s.delayMs = 1000;
      this.say(`${s.name} exited (${code ?? signal}); starting it again in ${s.delayMs / 1000} s on its data`);
      s.timer = setTimeout(() => {
        s.timer = null;
        if (!this.stopping) this.run(s);
      }, s.delayMs);
      s.delayMs = Math.min(30_000, s.delayMs * 2);
    });
    this.onChange(this.pids());
  }

  /** Stop every service: SIGTERM, then SIGKILL for those still running after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const running = this.services.filter((s) => {
      if (s.timer) clearTimeout(s.timer);
      return s.child !== null && s.child.exitCode === null && s.child.signalCode === null;
    });
    await Promise.all(
      running.map(
        (s) =>
          new Promise<void>((resolve) => {
            const c = s.child!;
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), graceMs).unref();
          }),
      ),
    );
  }
}
