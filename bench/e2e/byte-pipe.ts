// The plainest proxy Node can be: each accepted socket piped to a new connection to the upstream
// and back (net.Socket.pipe). Run as its own process:
//   node --import tsx bench/e2e/byte-pipe.ts <upstream port>
// Prints {"port": N} once listening; exits when its stdin closes or on SIGTERM.
import net from "node:net";

const upstreamPort = Number(process.argv[2]);
const server = net.createServer((client) => {
  const upstream = net.connect({ port: upstreamPort, host: "127.0.0.1" });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close).on("close", close);
  upstream.on("error", close).on("close", close);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + "\n");
});
process.on("SIGTERM", () => process.exit(0));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
