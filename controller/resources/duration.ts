// Durations as Aeraki's resources write them (Go's time.ParseDuration syntax: "60s", "100ms",
// "1h30m"), and as proto3 JSON writes them for Envoy and the module (seconds: "60s", "0.1s").

const UNIT_NANOS: Record<string, bigint> = { ns: 1n, us: 1000n, "µs": 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n };
const PART = /(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)/y;

/** Nanoseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): bigint | null {
  if (text === "" || text === "0") return text === "0" ? 0n : null;
  let total = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return null;
    const unit = UNIT_NANOS[m[3]];
    const fraction = m[2] ?? "";
    total += BigInt(m[1]) * unit + (fraction === "" ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
  }
  return total;
}

/** proto3 JSON form of a duration: whole seconds then up to 9 fractional digits, e.g. "0.1s". */
export function protoDuration(nanos: bigint): string {
  const seconds = nanos / 1000000000n;
  const rest = nanos % 1000000000n;
  if (rest === 0n) return `${seconds}s`;
  return `${seconds}.${rest.toString().padStart(9, "0").replace(/0+$/, "")}s`;
}
