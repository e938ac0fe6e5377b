// One Dubbo call per new connection, written as the Dubbo client writes it (hessian2 through
// hessian.js, the encoder dubbo-remoting uses): for measuring where each new connection lands.
import net from "node:net";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const hessian = require("hessian.js");
const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";

/** A two-way `sayHello("world")` request with id `id`. */
export function sayHelloFrame(id: number): Buffer {
  const body = Buffer.concat([
    hessian.encode("2.0.2", "2.0"), hessian.encode(SERVICE, "2.0"), hessian.encode("1.0", "2.0"), hessian.encode("sayHello", "2.0"),
    hessian.encode("Ljava/lang/String;", "2.0"), hessian.encode("world", "2.0"),
    hessian.encode({ path: SERVICE, interface: SERVICE, version: "1.0" }, "2.0"),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc2; // request, two-way, hessian2
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** One call on a new connection; resolves to the response's status byte (20 = OK); rejects on a close or timeout. */
export function callOnce(port: number, id: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    socket.setTimeout(3000, () => socket.destroy(new Error("timeout")));
    socket.once("connect", () => socket.write(sayHelloFrame(id)));
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 16 && got.length >= 16 + got.readUInt32BE(12)) {
        socket.destroy();
        resolve(got[3]);
      }
    });
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("closed before a response")));
  });
}
