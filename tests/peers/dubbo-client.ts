// A real Dubbo 2 (hessian2) consumer: sofa-rpc-node's RpcClient speaking dubbo-remoting, pointed
// at one address with no registry. Run it as its own process:
//   node --import tsx tests/peers/dubbo-client.ts --address 127.0.0.1:PORT [--calls N]
//     [--concurrency C] [--method sayHello|echoBytes|payload|fail] [--group G] [--size BYTES]
// Prints one JSON line: {"ok": n, "failed": n, "responses": [{"i", "ok", "value" | "error"}...]}
// (byte results are reported as their length and a checksum) and exits 0 when every call was made.
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { RpcClient } = require("sofa-rpc-node").client;
const protocol = require("dubbo-remoting");

const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

interface CallResult {
  i: number;
  ok: boolean;
  value?: string;
  bytes?: number;
  sum?: number;
  error?: string;
}

function argsFor(method: string, i: number, size: number): unknown[] {
  switch (method) {
    case "echoBytes":
      return [Buffer.alloc(size, i & 0xff)];
    case "payload":
      return [size];
    case "fail":
      return [`failure ${i}`];
    default:
      return [`world-${i}`];
  }
}

function describe(i: number, value: unknown): CallResult {
  if (Buffer.isBuffer(value)) {
    let sum = 0;
    for (const b of value) sum = (sum + b) % 65521;
    return { i, ok: true, bytes: value.length, sum };
  }
  return { i, ok: true, value: String(value) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: "string" },
      calls: { type: "string", default: "1" },
      concurrency: { type: "string", default: "1" },
      method: { type: "string", default: "sayHello" },
      group: { type: "string", default: "SOFA" },
      size: { type: "string", default: "16" },
      timeout: { type: "string", default: "5000" },
    },
  });
  if (!values.address) throw new Error("--address host:port is required");
  const calls = Number(values.calls);
  const concurrency = Math.max(1, Number(values.concurrency));
  const size = Number(values.size);
  const client = new RpcClient({ logger: quiet, protocol });
  const consumer = client.createConsumer({
    interfaceName: DEMO_SERVICE,
    serverHost: values.address,
    group: values.group,
  });
  await consumer.ready();

  const responses: CallResult[] = new Array(calls);
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      try {
        const value = await consumer.invoke(values.method, argsFor(values.method!, i, size), {
          responseTimeout: Number(values.timeout),
        });
        responses[i] = describe(i, value);
      } catch (err) {
        responses[i] = { i, ok: false, error: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  const ok = responses.filter((r) => r.ok).length;
  process.stdout.write(JSON.stringify({ ok, failed: calls - ok, responses }) + "\n");
  await client.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
