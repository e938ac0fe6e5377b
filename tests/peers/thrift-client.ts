// A real Thrift client: the official `thrift` npm package (0.24) calling thrift/echo.thrift.
//   node --import tsx tests/peers/thrift-client.ts --port N [--calls N] [--concurrency C]
//     [--method hello|echo|payload|fail|notify] [--size BYTES] [wire flags as for thrift-server.ts]
// Prints one JSON line {"ok", "failed", "responses": [{"i", "ok", "value" | "bytes"+"sum" | "error"}], "notified"}.
import { echoService, parseWire, thrift, wireClasses } from "./thrift-service.ts";

const wire = parseWire(process.argv.slice(2));
const args = new Map<string, string>();
for (let i = 0; i < wire.rest.length; i += 2) args.set(wire.rest[i].replace(/^--/, ""), wire.rest[i + 1]);
const port = Number(args.get("port"));
const calls = Number(args.get("calls") ?? 1);
const concurrency = Math.max(1, Number(args.get("concurrency") ?? 1));
const method = args.get("method") ?? "hello";
const size = Number(args.get("size") ?? 16);
const Echo = echoService() as any;

const connection = thrift.createConnection("127.0.0.1", port, { ...wireClasses(wire), connect_timeout: 5000 });
connection.on("error", (err: Error) => console.error(`[thrift-client] ${err.message}`));
const client = wire.multiplexed ? new thrift.Multiplexer().createClient("Echo", Echo, connection) : thrift.createClient(Echo, connection);

function call(i: number): Promise<unknown> {
  switch (method) {
    case "echo":
      return client.echo(Buffer.alloc(size, i & 0xff));
    case "payload":
      return client.payload(size);
    case "fail":
      return client.fail(`failure ${i}`);
    case "notify":
      return client.notify(`note ${i}`);
    default:
      return client.hello(`world-${i}`);
  }
}

function describe(i: number, value: unknown): Record<string, unknown> {
  if (Buffer.isBuffer(value)) {
    let sum = 0;
    for (const b of value) sum = (sum + b) % 65521;
    return { i, ok: true, bytes: value.length, sum };
  }
  return { i, ok: true, value: value === undefined ? null : String(value) };
}

async function main(): Promise<void> {
  const responses: Record<string, unknown>[] = new Array(calls);
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      try {
        responses[i] = describe(i, await call(i));
      } catch (err) {
        responses[i] = { i, ok: false, error: (err as { message?: string }).message ?? String(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  // Oneway calls have no answer: ask the server how many arrived, on the same connection.
  const notified = method === "notify" ? await client.notified() : undefined;
  const ok = responses.filter((r) => r.ok).length;
  process.stdout.write(JSON.stringify({ ok, failed: calls - ok, responses, notified }) + "\n");
  connection.end();
  process.exit(0);
}

setTimeout(() => {
  console.error("[thrift-client] timed out");
  process.exit(2);
}, 60_000).unref();
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
