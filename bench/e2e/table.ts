// The benchmark's rows as the table printed on stdout (and pasted in the README).
import type { Row } from "./run.ts";

const COLUMNS: [string, (r: Row) => string][] = [
  ["protocol", (r) => r.protocol],
  ["path", (r) => r.path],
  ["conns", (r) => String(r.connections)],
  ["pipe", (r) => String(r.pipeline)],
  ["req/s", (r) => Math.round(r.rps).toString()],
  ["p50 µs", (r) => String(r.p50Us)],
  ["p99 µs", (r) => String(r.p99Us)],
  ["proxy µs/req", (r) => (r.proxyCpuUsPerRequest === null ? "-" : r.proxyCpuUsPerRequest.toFixed(2))],
  ["proxy cpu", (r) => (r.proxyCpu === null ? "-" : `${Math.round(r.proxyCpu * 100)}%`)],
  ["rss MiB", (r) => (r.proxyRssKiB === null ? "-" : (r.proxyRssKiB / 1024).toFixed(1))],
  ["wasm KiB", (r) => (r.wasmMemoryKiB === null ? "-" : String(r.wasmMemoryKiB))],
  ["client cpu", (r) => `${Math.round(r.clientCpu * 100)}%`],
  ["server cpu", (r) => `${Math.round(r.serverCpu * 100)}%`],
  ["cpu0 busy", (r) => `${Math.round(r.clientCpuBusy * 100)}%`],
  ["cpu1 busy", (r) => `${Math.round(r.proxyCpuBusy * 100)}%`],
  ["bound by", (r) => r.bottleneck ?? "-"],
  ["errors", (r) => String(r.errors + r.mismatched)],
];

export function tableHeader(): string {
  return COLUMNS.map(([name]) => name.padStart(width(name))).join(" ");
}

export function tableLine(r: Row): string {
  return COLUMNS.map(([name, cell]) => cell(r).padStart(width(name))).join(" ");
}

function width(name: string): number {
  return Math.max(name.length, name === "path" ? 11 : name === "bound by" ? 10 : 6);
}
