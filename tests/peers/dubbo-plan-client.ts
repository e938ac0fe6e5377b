// A real Dubbo 2 (hessian2) consumer (sofa-rpc-node + dubbo-remoting, like dubbo-client.ts) that
// makes a planned set of calls all at once on one connection, for dubbo-server.ts (its echoAfter / failAfter / unrouted methods):
//   node --import tsx tests/peers/dubbo-plan-client.ts --address 127.0.0.1:PORT
//     --plan '[{"method": "echoAfter", "ms": 300, "text": "call-0"}, ...]'
// Prints one JSON line {"responses": [{"i", "ok", "value" | "error", "arrival"}...]}: call i's
// answer, as the consumer matched it to its call, and the rank in which answers arrived.
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { RpcClient } = require("sofa-rpc-node").client;
const protocol = require("dubbo-remoting");

const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

interface PlannedCall {
  method: string;
  ms: number;
  text: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { address: { type: "string" }, plan: { type: "string" }, timeout: { type: "string", default: "15000" } } });
  if (!values.address || !values.plan) throw new Error("--address host:port and --plan JSON are required");
  const plan: PlannedCall[] = JSON.parse(values.plan);
  const client = new RpcClient({ logger: quiet, protocol });
  const consumer = client.createConsumer({ interfaceName: DEMO_SERVICE, serverHost: values.address, group: "SOFA" });
  await consumer.ready();
  let arrivals = 0;
  const responses = await Promise.all(
    plan.map(async (c, i) => {
      try {
        const value = await consumer.invoke(c.method, [c.ms, c.text], { responseTimeout: Number(values.timeout) });
        return { i, ok: true, value: String(value), arrival: arrivals++ };
      } catch (err) {
        return { i, ok: false, error: (err as Error).message, arrival: arrivals++ };
      }
    }),
  );
  process.stdout.write(JSON.stringify({ responses }) + "\n");
  await client.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
