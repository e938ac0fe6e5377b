// What the real Dubbo client (sofa-rpc-node's RpcClient speaking dubbo-remoting, as in
// dubbo-client.ts) makes of a response's attachments.
//
// How the library surfaces them: dubbo-remoting's Response.decode reads an OK body as
// kind + value + (for kinds 3/4/5) map, and returns data = { appResponse, error, responseProps },
// responseProps being the map as hessian.js decoded it (a plain object), null for kinds 0/1/2.
// RpcConnection.invoke resolves to that `data`, and RpcConsumer._invoke stores it as `ctx.res`.
// RpcConsumer.invoke then returns only ctx.res.appResponse, so the value a caller awaits carries no
// attachments; they stay reachable on the context, which a consumer middleware (consumer.use, koa
// style) sees after `await next()`. That is how this reads them: no decoder hook is needed.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RpcClient } = require("sofa-rpc-node").client;
const protocol = require("dubbo-remoting");

export const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

/** A decoded map as a plain object (hessian.js gives objects, or Map for non-string keys); {} for none. */
function plainObject(map: unknown): Record<string, unknown> {
  if (map instanceof Map) return Object.fromEntries(map);
  if (map !== null && typeof map === "object") return { ...(map as Record<string, unknown>) };
  return {};
}

export interface CallOptions {
  method?: string;
  args?: unknown[];
  group?: string;
  timeoutMs?: number;
}

export interface ResultWithAttachments {
  /** What consumer.invoke resolved to (the value a caller sees). */
  value: unknown;
  /** The response's attachments as the client decoded them; {} when the response had none (kinds 0/1/2). */
  attachments: Record<string, unknown>;
}

/** The fields of sofa-rpc-node's response context this reads (ctx.res = dubbo-remoting's data). */
interface ResponseContext {
  res: { appResponse: unknown; error: Error | null; responseProps?: unknown };
}

/**
 * One call of DemoService.`method` (sayHello("world") by default) with the real client through
 * `address` ("host:port"); resolves to the value and the response attachments it decoded. Rejects
 * with the client's error when the call fails. The client is closed before this settles.
 */
export async function callWithAttachments(address: string, options: CallOptions = {}): Promise<ResultWithAttachments> {
  const client = new RpcClient({ logger: quiet, protocol });
  try {
    const consumer = client.createConsumer({
      interfaceName: DEMO_SERVICE,
      serverHost: address,
      group: options.group ?? "SOFA",
      // Its fault-retry loop sleeps this long even after close; the default 30 s keeps a caller's process alive.
      retryFaultInterval: 200,
    });
    let props: unknown = null;
    consumer.use(async (ctx: ResponseContext, next: () => Promise<void>) => {
      await next();
      props = ctx.res.responseProps;
    });
    await consumer.ready();
    const value = await consumer.invoke(options.method ?? "sayHello", options.args ?? ["world"], {
      responseTimeout: options.timeoutMs ?? 3000,
    });
    return { value, attachments: plainObject(props) };
  } finally {
    await client.close();
  }
}
