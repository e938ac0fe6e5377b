// What the Thrift peers share: the generated code for thrift/echo.thrift (made once into
// build/thrift-gen with Debian's thrift-compiler) and the transport/protocol chosen by flags.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const thrift = require("thrift");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const IDL = path.join(root, "tests/peers/thrift/echo.thrift");
const OUT = path.join(root, "build/thrift-gen");

/** The generated `Echo` service module. */
export function echoService(): { Client: unknown; Processor: unknown; [k: string]: unknown } {
  const file = path.join(OUT, "Echo.js");
  if (!existsSync(file)) {
    // Generated aside and renamed into place: a server and a client may start at the same time.
    const tmp = `${OUT}.${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    execFileSync("thrift", ["--gen", "js:node,es6", "-out", tmp, IDL]);
    try {
      renameSync(tmp, OUT);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  return require(file);
}

export function echoTypes(): { EchoError: new (args: { message: string }) => Error } {
  echoService();
  return require(path.join(OUT, "echo_types.js"));
}

export interface WireOptions {
  protocol: string; // binary | compact
  transport: string; // framed | buffered
  multiplexed: boolean;
}

export function parseWire(args: string[]): WireOptions & { rest: string[] } {
  const o: WireOptions & { rest: string[] } = { protocol: "binary", transport: "framed", multiplexed: false, rest: [] };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--protocol") o.protocol = args[++i];
    else if (args[i] === "--transport") o.transport = args[++i];
    else if (args[i] === "--multiplexed") o.multiplexed = true;
    else o.rest.push(args[i]);
  }
  return o;
}

export function wireClasses(o: WireOptions): { transport: unknown; protocol: unknown } {
  return {
    transport: o.transport === "framed" ? thrift.TFramedTransport : thrift.TBufferedTransport,
    protocol: o.protocol === "compact" ? thrift.TCompactProtocol : thrift.TBinaryProtocol,
  };
}
