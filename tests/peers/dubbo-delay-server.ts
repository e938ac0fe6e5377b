// A real Dubbo 2 (hessian2) provider that answers when the call says: sofa-rpc-node's RpcServer
// speaking dubbo-remoting, like dubbo-server.ts, whose methods wait `ms` milliseconds before they
// answer, so calls made later can be answered first (out of order on one connection).
//   node --import tsx tests/peers/dubbo-delay-server.ts     prints {"port": N}; exits when stdin closes
// Methods of DemoService: echoAfter(ms, text) -> text; failAfter(ms, message) -> exception(message);
// unrouted(ms, text) -> text (a method name for routes not to match).
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

const require = createRequire(import.meta.url);
const { RpcServer } = require("sofa-rpc-node").server;
const protocol = require("dubbo-remoting");

const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
// Quiet: the planned failures would be logged as errors; the client reports every answer.
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

async function main(): Promise<void> {
  const server = new RpcServer({ logger: quiet, port: 0, protocol });
  server.addService(
    { interfaceName: DEMO_SERVICE },
    {
      async echoAfter(ms: number, text: string) {
        await sleep(ms);
        return text;
      },
      async failAfter(ms: number, message: string) {
        await sleep(ms);
        throw new Error(message);
      },
      async unrouted(ms: number, text: string) {
        await sleep(ms);
        return text;
      },
    },
  );
  await server.start();
  process.stdout.write(JSON.stringify({ port: server.publishPort }) + "\n");
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (fstatSync(0).isFIFO()) {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
