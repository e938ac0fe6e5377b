// Issue 12's target, computed from measured rows: the product module's proxy CPU per request over
// the no-op module's, for each protocol, number of connections and pipeline depth that has both.
import type { Row } from "./run.ts";

/** Issue 12: the product module at most this many times the no-op module's proxy CPU per request. */
export const RATIO_TARGET = 1.2;

export interface Ratio {
  protocol: string;
  connections: number;
  pipeline: number;
  noopUsPerRequest: number;
  moduleUsPerRequest: number;
  /** moduleUsPerRequest / noopUsPerRequest. */
  moduleOverNoop: number;
}

export function moduleOverNoop(rows: Row[]): Ratio[] {
  const key = (r: Row) => `${r.protocol}/${r.connections}/${r.pipeline}`;
  const noop = new Map(rows.filter((r) => r.path === "host-noop").map((r) => [key(r), r]));
  const ratios: Ratio[] = [];
  for (const module of rows) {
    const base = noop.get(key(module));
    if (module.path !== "host-module" || !base?.proxyCpuUsPerRequest || module.proxyCpuUsPerRequest === null) continue;
    ratios.push({
      protocol: module.protocol, connections: module.connections, pipeline: module.pipeline,
      noopUsPerRequest: base.proxyCpuUsPerRequest, moduleUsPerRequest: module.proxyCpuUsPerRequest,
      moduleOverNoop: module.proxyCpuUsPerRequest / base.proxyCpuUsPerRequest,
    });
  }
  return ratios;
}

export function ratioLines(ratios: Ratio[]): string[] {
  if (ratios.length === 0) return [];
  return [
    `product module / no-op module, proxy CPU per request (issue 12 target: at most ${RATIO_TARGET}):`,
    `${"protocol".padStart(10)} ${"conns".padStart(6)} ${"pipe".padStart(5)} ${"no-op µs".padStart(9)} ${"module µs".padStart(10)} ${"ratio".padStart(6)}`,
    ...ratios.map((r) =>
      `${r.protocol.padStart(10)} ${String(r.connections).padStart(6)} ${String(r.pipeline).padStart(5)} ${r.noopUsPerRequest.toFixed(2).padStart(9)} ${r.moduleUsPerRequest.toFixed(2).padStart(10)} ${r.moduleOverNoop.toFixed(2).padStart(6)}${r.moduleOverNoop <= RATIO_TARGET ? "" : "  over"}`,
    ),
  ];
}
