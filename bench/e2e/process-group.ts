// Every process the benchmark starts: pinned to a CPU with taskset, each in its own process group,
// and all of them killed (the whole group) when the benchmark ends, fails or is interrupted.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import readline from "node:readline";

export interface Started {
  pid: number;
  child: ChildProcess;
  /** stdout as lines (the JSON replies of our own child scripts). */
  lines: readline.Interface;
}

export class ProcessGroup {
  private children = new Set<ChildProcess>();
  /** Every pid ever started, so a test can check none is left behind. */
  readonly pids: number[] = [];

  constructor() {
    // Synchronous on purpose: 'exit' handlers cannot wait.
    process.once("exit", () => this.killAll("SIGKILL"));
  }

  /**
   * Starts `command args` on `cpu` (taskset execs it, so the pid is the command's own). Its stdin is
   * a pipe: our scripts exit when it closes, even if this process dies without cleaning up.
   */
  start(cpu: number, command: string, args: string[], opts: { cwd?: string } = {}): Started {
    const child = spawn("taskset", ["-c", String(cpu), command, ...args], {
      cwd: opts.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    this.children.add(child);
    this.pids.push(child.pid);
    child.once("exit", () => this.children.delete(child));
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${command.split("/").pop()} ${child.pid}] ${d}`));
    child.stdin!.on("error", () => {});
    return { pid: child.pid, child, lines: readline.createInterface({ input: child.stdout! }) };
  }

  /** Kills one started process's group and waits for it to exit. */
  async stop(s: Started): Promise<void> {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => s.child.once("exit", () => r()));
    s.child.stdin!.end();
    signalGroup(s.pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(s.pid, "SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => this.stop({ pid: child.pid!, child, lines: undefined as never })));
  }

  killAll(signal: NodeJS.Signals): void {
    for (const child of this.children) signalGroup(child.pid!, signal);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The next line the process prints, parsed as JSON; rejects if it exits first or takes too long. */
export function nextJson<T>(s: Started, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before answering`));
    const timer = setTimeout(() => done(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const onLine = (line: string) => {
      try {
        done(undefined, JSON.parse(line) as T);
      } catch {
        done(new Error(`${what} printed ${line}`));
      }
    };
    function done(err?: Error, value?: T): void {
      clearTimeout(timer);
      s.lines.off("line", onLine);
      s.child.off("exit", onExit);
      if (err) reject(err);
      else resolve(value!);
    }
    s.lines.once("line", onLine);
    s.child.once("exit", onExit);
  });
}

/** A port that was free a moment ago (for programs that cannot report an ephemeral one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on `port`; rejects if `s` exits first. */
export async function waitForPort(s: Started, port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`${what} exited (${s.child.exitCode ?? s.child.signalCode})`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => {
        s.destroy();
        r(true);
      });
      s.once("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} is not listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
