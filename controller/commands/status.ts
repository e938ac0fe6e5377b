// `status [--address HOST:PORT]`: what `istioctl proxy-status` shows, for the modules connected to a
// running controller: per node, the route version it ACKed, the one it NACKed with the reason, and
// when. Reads the controller's /status.
import { parseArgs } from "node:util";
import type { NodeStatus } from "../xds/index.ts";
import type { Command } from "./io.ts";

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
}

/** The table `status` prints. */
export function formatStatus(version: string, proxies: NodeStatus[]): string[] {
  const header = ["NODE", "STREAMS", "ACKED", "NACKED", "LAST SENT"];
  const rows = proxies.map((p) => [
    p.node,
    String(p.streams),
    p.acked ? `${p.acked.version} (${p.acked.at})` : "-",
    p.nacked ? `${p.nacked.version}: ${p.nacked.error}` : "-",
    p.lastSent ? p.lastSent.version : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [`controller version ${version || "(none)"}`, row(header, widths), ...rows.map((r) => row(r, widths))];
}

export const statusCommand: Command = {
  summary: "show each connected module's route version (ACKed / NACKed), like istioctl proxy-status",
  usage: "status [--address HOST:PORT]",
  async run(args, io) {
    const { values } = parseArgs({ args, strict: true, options: { address: { type: "string", default: "127.0.0.1:8080" } } });
    let body: { version: string; proxies: NodeStatus[] };
    try {
      const res = await fetch(`http://${values.address}/status`);
      body = (await res.json()) as typeof body;
    } catch (e) {
      io.err(`cannot reach the controller at ${values.address}: ${(e as Error).message}`);
      return 1;
    }
    for (const line of formatStatus(body.version, body.proxies)) io.out(line);
    return 0;
  },
};
