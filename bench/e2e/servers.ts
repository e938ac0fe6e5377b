// The real servers the clients talk to, each its own process on the clients' CPU: redis-server
// (Debian), and the project's Dubbo and Thrift peers (tests/peers), which echo the payload back.
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, nextJson, waitForPort, type ProcessGroup, type Started } from "./process-group.ts";
import { PAYLOAD, REDIS_KEY, wireOf } from "./wire.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Server {
  port: number;
  process: Started;
}

export async function startServer(group: ProcessGroup, protocol: string, cpu: number): Promise<Server> {
  const { codec } = wireOf(protocol);
  if (codec === "redis") return startRedis(group, cpu);
  const script = codec === "dubbo" ? "tests/peers/dubbo-server.ts" : "tests/peers/thrift-server.ts";
  const args = codec === "thrift" ? ["--transport", "framed", "--protocol", "binary"] : [];
  const started = group.start(cpu, process.execPath, ["--import", "tsx", path.join(root, script), ...args], { cwd: root });
  const { port } = await nextJson<{ port: number }>(started, script);
  return { port, process: started };
}

async function startRedis(group: ProcessGroup, cpu: number): Promise<Server> {
  const port = await freePort();
  const started = group.start(cpu, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  started.lines.on("line", () => {}); // its log goes nowhere, but the pipe must be read
  await waitForPort(started, port, "redis-server");
  await redisSet(port, REDIS_KEY, PAYLOAD);
  return { port, process: started };
}

/** The value every GET of the benchmark reads (100 B). */
function redisSet(port: number, key: string, value: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => {
      s.write(Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n`), value, Buffer.from("\r\n")]));
    });
    s.once("data", (d) => {
      s.destroy();
      if (d.toString().startsWith("+OK")) resolve();
      else reject(new Error(`redis SET answered ${d.toString()}`));
    });
    s.once("error", reject);
  });
}
