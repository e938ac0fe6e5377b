// A real Dubbo 2 (hessian2) provider: sofa-rpc-node's RpcServer speaking dubbo-remoting, with no
// registry. Run it as its own process: `node --import tsx tests/peers/dubbo-server.ts [port]`.
// Prints one JSON line {"port": N} once listening; exits on SIGTERM/SIGINT, or when its stdin pipe closes.
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RpcServer } = require("sofa-rpc-node").server;
const protocol = require("dubbo-remoting");

export const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";

// sofa-rpc-node logs every connection at info level; keep stdout for the JSON line.
const quiet = { info() {}, warn() {}, debug() {}, error: (err: unknown) => console.error(`[dubbo-server] ${String(err)}`) };

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const server = new RpcServer({ logger: quiet, port, protocol });
  server.addService(
    { interfaceName: DEMO_SERVICE },
    {
      async sayHello(name: string) {
        return `Hello ${name}`;
      },
      async echoBytes(data: Buffer) {
        return data;
      },
      /** A reply body of `size` bytes, for payload-size tests. */
      async payload(size: number) {
        return Buffer.alloc(size, 0x61);
      },
      /** Answers with an exception result (status 20, exception body). */
      async fail(message: string) {
        throw new Error(message);
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
  // A parent that spawned us with a stdin pipe stops us by closing it (also when it dies).
  if (fstatSync(0).isFIFO()) {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
