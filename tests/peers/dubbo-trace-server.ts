// A real Dubbo 2 (hessian2) provider that shows what reached it: sofa-rpc-node's RpcServer speaking
// dubbo-remoting, whose `echoAttachments(name)` answers with the request's attachments as JSON
// (the tracing tests read the trace context the proxy wrote into the frame); `fail(message)`
// answers with an exception. Run it as its own process: `node --import tsx tests/peers/dubbo-trace-server.ts`.
// Prints one JSON line {"port": N} once listening; exits when its stdin pipe closes or on SIGTERM.
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RpcServer } = require("sofa-rpc-node").server;
const protocol = require("dubbo-remoting");

const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const quiet = { info() {}, warn() {}, debug() {}, error: (err: unknown) => console.error(`[dubbo-trace-server] ${String(err)}`) };

interface Invocation {
  req: { data: { requestProps?: Record<string, unknown> } };
}

/** sofa-rpc-node calls a service method with the context this returns as `this`. */
class AttachmentServer extends RpcServer {
  constructor(options: Record<string, unknown>) {
    super(options);
  }
  createContext(req: unknown): Invocation {
    return { req } as Invocation;
  }
}

async function main(): Promise<void> {
  const server = new AttachmentServer({ logger: quiet, port: 0, protocol });
  server.addService(
    { interfaceName: DEMO_SERVICE },
    {
      async echoAttachments(this: Invocation, _name: string) {
        return JSON.stringify(this.req.data.requestProps ?? {});
      },
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
  if (fstatSync(0).isFIFO()) {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
