// A TCP relay in front of a provider that keeps what each connection sent towards it, so a test
// can count the requests that really reached the server (each Dubbo request names its method once).
import net from "node:net";

export interface CountingRelay {
  port: number;
  /** How many times `text` went from the proxy to the provider since the start. */
  count(text: string): number;
  close(): Promise<void>;
}

function occurrences(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

export async function countingRelay(targetPort: number): Promise<CountingRelay> {
  const sent: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const chunks: Buffer[] = [];
    sent.push(chunks);
    const upstream = net.connect({ port: targetPort, host: "127.0.0.1" });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on("data", (d) => {
      chunks.push(d);
      upstream.write(d);
    });
    upstream.on("data", (d) => client.write(d));
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    for (const s of [client, upstream]) {
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    count: (text) => sent.reduce((n, chunks) => n + occurrences(Buffer.concat(chunks), Buffer.from(text)), 0),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
