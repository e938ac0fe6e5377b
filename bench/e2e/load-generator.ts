// The load generator, run as its own process pinned to a CPU: N raw sockets to a port, each with
// up to `pipeline` requests in flight, counting responses by their length field. Commands arrive as
// JSON lines on stdin and each is answered by one JSON line on stdout:
//   {"cmd":"connect","port":P,"protocol":"redis","connections":16}
//   {"cmd":"closed","pipeline":16,"seconds":3}  closed loop: each response sends the next request
//   {"cmd":"open","pipeline":16,"seconds":3,"rate":R}  open loop at R requests/s, latency histogram
//   {"cmd":"disconnect"}
// It exits when its stdin closes.
import net from "node:net";
import readline from "node:readline";
import { build, type Histogram } from "hdr-histogram-js";
import { wireOf, type Wire } from "./wire.ts";

/** Open loop: how often due requests are released. Timer granularity is Node's (about 1 ms). */
const TICK_MS = 1;
/** After a run, how long to wait for the requests still in flight. */
const DRAIN_MS = 3000;

type Mode = "idle" | "closed" | "open";

class Run {
  mode: Mode = "idle";
  pipeline = 1;
  completed = 0;
  errors = 0;
  mismatched = 0;
  histogram: Histogram | undefined;
  nextId = 1;
}

class Connection {
  private rest: Buffer | null = null;
  /** Per request in flight, oldest first: its id and when it became due (open loop) or was sent. */
  private ids: number[] = [];
  private stamps: number[] = [];
  /** Open loop: stamps of due requests not yet sent (the connection had `pipeline` in flight). */
  pending: number[] = [];
  /** Closed loop: responses counted since the last write, each to be replaced by a request. */
  private owed = 0;

  constructor(readonly socket: net.Socket, private wire: Wire, private run: Run) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  get inFlight(): number {
    return this.ids.length;
  }

  private onData(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const consumed = this.wire.parse(buf, 0, this.onResponse);
    this.rest = consumed < buf.length ? Buffer.from(buf.subarray(consumed)) : null;
    this.flush();
  }

  private onResponse = (id: number, ok: boolean): void => {
    const expected = this.ids.shift();
    const stamp = this.stamps.shift()!;
    const run = this.run;
    if (id >= 0 && id !== expected) run.mismatched++;
    if (!ok) run.errors++;
    if (run.mode === "idle") return;
    run.completed++;
    if (run.mode === "closed") this.owed++;
    else run.histogram!.recordValue(Math.max(1, Math.round((performance.now() - stamp) * 1000)));
  };

  /** Closed loop: one request per response counted (or `pipeline` to start); open loop: what is due. */
  flush(start = false): void {
    const run = this.run;
    let n = 0;
    if (run.mode === "closed") n = start ? run.pipeline : this.owed;
    else if (run.mode === "open") n = Math.min(this.pending.length, run.pipeline - this.inFlight);
    if (n <= 0) return;
    this.owed = 0;
    const now = performance.now();
    const out = Buffer.allocUnsafe(n * this.wire.size);
    for (let i = 0; i < n; i++) {
      const id = run.nextId++ >>> 0;
      this.wire.writeRequest(out, i * this.wire.size, id);
      this.ids.push(id);
      this.stamps.push(run.mode === "open" ? this.pending.shift()! : now);
    }
    this.socket.write(out);
  }
}

let connections: Connection[] = [];
const run = new Run();

async function connect(port: number, protocol: string, count: number): Promise<object> {
  const wire = wireOf(protocol);
  connections = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Connection>((resolve, reject) => {
        const socket = net.connect({ port, host: "127.0.0.1" }, () => resolve(new Connection(socket, wire, run)));
        socket.once("error", reject);
      }),
    ),
  );
  for (const c of connections) c.socket.on("error", (e) => console.error(`connection: ${e.message}`));
  return { ok: true };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drain(): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  while (connections.some((c) => c.inFlight > 0) && Date.now() < deadline) await sleep(5);
}

function startRun(mode: Mode, pipeline: number): { wall: number; cpu: NodeJS.CpuUsage } {
  Object.assign(run, { mode, pipeline, completed: 0, errors: 0, mismatched: 0 });
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

function endRun(begin: { wall: number; cpu: NodeJS.CpuUsage }) {
  const seconds = (performance.now() - begin.wall) / 1000;
  const cpu = process.cpuUsage(begin.cpu);
  const result = {
    requests: run.completed,
    seconds,
    rps: run.completed / seconds,
    errors: run.errors,
    mismatched: run.mismatched,
    /** This process's CPU over the run, as a fraction of one core. */
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
  run.mode = "idle";
  return result;
}

async function closedLoop(pipeline: number, seconds: number): Promise<object> {
  const begin = startRun("closed", pipeline);
  for (const c of connections) c.flush(true);
  await sleep(seconds * 1000);
  const result = endRun(begin);
  await drain();
  return result;
}

async function openLoop(pipeline: number, seconds: number, rate: number): Promise<object> {
  run.histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const begin = startRun("open", pipeline);
  let released = 0;
  let next = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const due = Math.floor(((now - begin.wall) / 1000) * rate) - released;
    for (let i = 0; i < due; i++) connections[next++ % connections.length].pending.push(now);
    released += Math.max(0, due);
    for (const c of connections) c.flush();
  }, TICK_MS);
  await sleep(seconds * 1000);
  clearInterval(timer);
  const unsent = connections.reduce((n, c) => n + c.pending.length, 0);
  for (const c of connections) c.flush(); // the mode is still open: send what was due, wait for it
  await drain();
  const h = run.histogram;
  const result = { ...endRun(begin), offeredRps: rate, unsentAtEnd: unsent, p50Us: h.getValueAtPercentile(50), p99Us: h.getValueAtPercentile(99) };
  for (const c of connections) c.pending = [];
  return result;
}

async function disconnect(): Promise<object> {
  for (const c of connections) c.socket.destroy();
  connections = [];
  return { ok: true };
}

const lines = readline.createInterface({ input: process.stdin });
let queue: Promise<void> = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    try {
      const m = JSON.parse(line);
      let reply: object;
      if (m.cmd === "connect") reply = await connect(m.port, m.protocol, m.connections);
      else if (m.cmd === "closed") reply = await closedLoop(m.pipeline, m.seconds);
      else if (m.cmd === "open") reply = await openLoop(m.pipeline, m.seconds, m.rate);
      else if (m.cmd === "disconnect") reply = await disconnect();
      else throw new Error(`unknown command ${m.cmd}`);
      process.stdout.write(JSON.stringify(reply) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ error: String(e) }) + "\n");
    }
  });
});
lines.on("close", () => process.exit(0));
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
