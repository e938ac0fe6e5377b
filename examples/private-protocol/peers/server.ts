// A KV-RPC server: method "echo" answers the body back, "count" answers how many oneway "note"
// calls arrived; it answers heartbeats with the same id and adds a "served-by" header entry.
//   node --import tsx examples/private-protocol/peers/server.ts    prints {"port": N}; exits when stdin closes
import { fstatSync } from "node:fs";
import net from "node:net";
import { decode, encode, ERROR, HEARTBEAT, ONEWAY, RESPONSE, type Frame } from "./wire.ts";

let notes = 0;

function answer(f: Frame): Buffer | null {
  if (f.flags & HEARTBEAT) return encode({ flags: RESPONSE | HEARTBEAT, id: f.id, header: new Map(), body: Buffer.alloc(0) });
  if (f.flags & ONEWAY) {
    notes++;
    return null;
  }
  const header = new Map([["served-by", "kvrpc-example-server"]]);
  for (const [k, v] of f.header) if (k.startsWith("x-")) header.set(k, v); // echoes request mutations
  switch (f.header.get("method")) {
    case "echo":
      return encode({ flags: RESPONSE, id: f.id, header, body: f.body });
    case "count":
      return encode({ flags: RESPONSE, id: f.id, header, body: Buffer.from(String(notes)) });
    default:
      header.set("error", `no method ${f.header.get("method")}`);
      return encode({ flags: RESPONSE | ERROR, id: f.id, header, body: Buffer.alloc(0) });
  }
}

const server = net.createServer((socket) => {
  let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    try {
      const { frames, rest } = decode(Buffer.concat([pending, chunk]));
      pending = rest;
      const out = frames.map(answer).filter((b): b is Buffer => b !== null);
      if (out.length > 0) socket.write(Buffer.concat(out));
    } catch {
      socket.destroy();
    }
  });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + "\n"));
process.on("SIGTERM", () => process.exit(0));
if (fstatSync(0).isFIFO()) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
