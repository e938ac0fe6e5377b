// A real Dubbo 2 (hessian2) consumer that sends attachments: sofa-rpc-node's RpcClient speaking
// dubbo-remoting (its `requestProps` become the request's attachments), one connection, calls one
// after another. Run it as its own process:
//   node --import tsx tests/peers/dubbo-trace-client.ts --address 127.0.0.1:PORT [--calls N]
//     [--method echoAttachments|fail] [--attachment key=value ...] [--traceparent VALUE] [--linger MS]
// `--linger` keeps the connection open that long after the last answer (so what the proxy does
// after the calls, such as hearing back from a collector, happens on a live connection).
// Prints one JSON line {"responses": [{"i", "ok", "value" | "error"}...]} and exits 0.
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { RpcClient } = require("sofa-rpc-node").client;
const protocol = require("dubbo-remoting");

const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: "string" },
      calls: { type: "string", default: "1" },
      method: { type: "string", default: "echoAttachments" },
      attachment: { type: "string", multiple: true, default: [] },
      traceparent: { type: "string" },
      linger: { type: "string", default: "0" },
    },
  });
  if (!values.address) throw new Error("--address host:port is required");
  const attachments: Record<string, string> = {};
  for (const pair of values.attachment!) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--attachment wants key=value, got ${pair}`);
    attachments[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (values.traceparent) attachments.traceparent = values.traceparent;
  const client = new RpcClient({ logger: quiet, protocol });
  const consumer = client.createConsumer({ interfaceName: DEMO_SERVICE, serverHost: values.address, group: "SOFA" });
  await consumer.ready();
  const responses = [];
  for (let i = 0; i < Number(values.calls); i++) {
    try {
      // dubbo-remoting sends requestProps as the attachments map (merged over dubbo/path/group).
      const value = await consumer.invoke(values.method, [`call-${i}`], { responseTimeout: 5000, requestProps: { ...attachments } });
      responses.push({ i, ok: true, value: String(value) });
    } catch (err) {
      responses.push({ i, ok: false, error: (err as Error).message });
    }
  }
  await sleep(Number(values.linger));
  process.stdout.write(JSON.stringify({ responses }) + "\n");
  await client.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
