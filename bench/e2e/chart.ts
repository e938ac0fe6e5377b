// The benchmark's chart, as SVG written by hand: proxy CPU µs per request for each proxy path,
// grouped by protocol, one panel unpipelined and one pipelined (their scales differ tenfold),
// at one number of connections; under each group, the product module / no-op module ratio.
import { moduleOverNoop } from "./ratios.ts";
import type { Row } from "./run.ts";
import { WIRES } from "./wire.ts";

const WIDTH = 900;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
const COLORS: Record<string, string> = { pipe: "#8da0cb", haproxy: "#66c2a5", "host-noop": "#fc8d62", "host-module": "#e78ac3" };
const LABELS: Record<string, string> = { pipe: "Node byte pipe", haproxy: "HAProxy (TCP)", "host-noop": "local host, no-op module", "host-module": "local host, meta_protocol.wasm" };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A round step so that the axis has about 5 ticks up to `max`. */
function niceStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
}

function panel(rows: Row[], protocols: string[], paths: string[], top: number, title: string): string[] {
  const out: string[] = [];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const value = (protocol: string, path: string) => rows.find((r) => r.protocol === protocol && r.path === path)?.proxyCpuUsPerRequest ?? null;
  const max = Math.max(1e-9, ...protocols.flatMap((p) => paths.map((path) => value(p, path) ?? 0)));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const y = (v: number) => top + MARGIN.top + plotH - (v / yMax) * plotH;
  out.push(`<text x="${MARGIN.left}" y="${top + 24}" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(Math.max(0, -Math.floor(Math.log10(step))))}</text>`);
  }
  out.push(`<text transform="translate(16 ${top + MARGIN.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">proxy CPU µs / request</text>`);
  const ratios = moduleOverNoop(rows);
  const groupW = plotW / protocols.length;
  const barW = Math.min(50, (groupW * 0.8) / paths.length);
  protocols.forEach((protocol, g) => {
    const x0 = MARGIN.left + g * groupW + (groupW - barW * paths.length) / 2;
    paths.forEach((path, i) => {
      const v = value(protocol, path);
      const x = x0 + i * barW;
      if (v === null) return;
      out.push(`<rect x="${x + 2}" y="${y(v)}" width="${barW - 4}" height="${y(0) - y(v)}" fill="${COLORS[path]}"/>`);
      out.push(`<text x="${x + barW / 2}" y="${y(v) - 4}" font-size="11" text-anchor="middle">${fmt(v)}</text>`);
    });
    const center = MARGIN.left + g * groupW + groupW / 2;
    out.push(`<text x="${center}" y="${y(0) + 20}" font-size="13" text-anchor="middle">${esc(WIRES[protocol]?.label ?? protocol)}</text>`);
    const ratio = ratios.find((r) => r.protocol === protocol);
    if (ratio) out.push(`<text x="${center}" y="${y(0) + 36}" font-size="11" text-anchor="middle" fill="#555">module / no-op ${ratio.moduleOverNoop.toFixed(2)}</text>`);
  });
  out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  return out;
}

export function chartSvg(rows: Row[], connections: number, subtitle: string): string {
  const at = rows.filter((r) => r.connections === connections && r.proxyCpuUsPerRequest !== null);
  const protocols = [...new Set(at.map((r) => r.protocol))];
  const paths = Object.keys(COLORS).filter((p) => at.some((r) => r.path === p));
  const pipelines = [...new Set(at.map((r) => r.pipeline))].sort((a, b) => a - b);
  const legendH = 30;
  const height = 50 + pipelines.length * PANEL_HEIGHT + legendH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" font-size="17" font-weight="bold" text-anchor="middle">Proxy CPU per request, ${connections} connections (lower is better)</text>`,
    `<text x="${WIDTH / 2}" y="40" font-size="12" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
  ];
  pipelines.forEach((pipeline, i) => {
    const title = pipeline === 1 ? "unpipelined (1 request in flight per connection)" : `pipelined (${pipeline} requests in flight per connection)`;
    out.push(...panel(at.filter((r) => r.pipeline === pipeline), protocols, paths, 50 + i * PANEL_HEIGHT, title));
  });
  const legendY = 50 + pipelines.length * PANEL_HEIGHT + 10;
  let x = MARGIN.left;
  paths.forEach((path) => {
    out.push(`<rect x="${x}" y="${legendY}" width="14" height="14" fill="${COLORS[path]}"/>`);
    out.push(`<text x="${x + 20}" y="${legendY + 12}" font-size="12">${esc(LABELS[path])}</text>`);
    x += 40 + LABELS[path].length * 7; // about 7 px per character at 12 px
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
