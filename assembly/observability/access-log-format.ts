// The access log line: a format string with Envoy-style %COMMAND% fields, parsed once:
//   %START_TIME% (ISO 8601, UTC, ms)  %PROTOCOL%  %METADATA(key)%  %ROUTE%  %CLUSTER%
//   %RESPONSE_CODE%  %RESPONSE_FLAGS%  %RESPONSE_CODE_DETAILS%  %DURATION% (ms)
//   %REQUEST_BYTES%  %RESPONSE_BYTES%  %CONNECTION_ID%  and %% for a percent sign.
// An absent value prints "-", as Envoy prints it.
import { LogRecord } from "./log-record";

export const DEFAULT_FORMAT =
  "[%START_TIME%] %PROTOCOL% %METADATA(interface)% %METADATA(method)% %ROUTE% %CLUSTER% %RESPONSE_CODE% %RESPONSE_FLAGS% %DURATION% %REQUEST_BYTES% %RESPONSE_BYTES%";

enum Field {
  Literal = 0,
  StartTime = 1,
  Protocol = 2,
  Metadata = 3,
  Route = 4,
  Cluster = 5,
  ResponseCode = 6,
  ResponseFlags = 7,
  ResponseCodeDetails = 8,
  Duration = 9,
  RequestBytes = 10,
  ResponseBytes = 11,
  ConnectionId = 12,
}

const NAMES: string[] = ["", "START_TIME", "PROTOCOL", "METADATA", "ROUTE", "CLUSTER", "RESPONSE_CODE", "RESPONSE_FLAGS",
  "RESPONSE_CODE_DETAILS", "DURATION", "REQUEST_BYTES", "RESPONSE_BYTES", "CONNECTION_ID"];

class Part {
  constructor(public field: Field, public text: string) {}
}

export class AccessLogFormat {
  /** `error` is empty, or says what is wrong with the format (then nothing renders). */
  private constructor(private parts: Part[], readonly error: string) {}

  static parse(format: string): AccessLogFormat {
    const parts: Part[] = [];
    let literal = "";
    let i = 0;
    while (i < format.length) {
      const c = format.charAt(i);
      if (c != "%") {
        literal += c;
        i++;
        continue;
      }
      const end = format.indexOf("%", i + 1);
      if (end < 0) return new AccessLogFormat([], "unterminated %field% at position " + i.toString());
      const command = format.substring(i + 1, end);
      i = end + 1;
      if (command.length == 0) {
        literal += "%";
        continue;
      }
      const part = parseCommand(command);
      if (part === null) {
        return new AccessLogFormat([], "unknown field %" + command + "% (known: " + NAMES.slice(1).join(", ") + ", METADATA(key))");
      }
      if (literal.length > 0) parts.push(new Part(Field.Literal, literal));
      literal = "";
      parts.push(part);
    }
    if (literal.length > 0) parts.push(new Part(Field.Literal, literal));
    return new AccessLogFormat(parts, "");
  }

  /** The metadata keys the format prints. */
  metadataKeys(): string[] {
    const keys: string[] = [];
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i];
      if (p.field == Field.Metadata && !keys.includes(p.text)) keys.push(p.text);
    }
    return keys;
  }

  render(r: LogRecord): string {
    const out = new Array<string>(this.parts.length);
    for (let i = 0; i < this.parts.length; i++) out[i] = value(this.parts[i], r);
    return out.join("");
  }
}

function parseCommand(command: string): Part | null {
  if (command.startsWith("METADATA(") && command.endsWith(")") && command.length > 10) {
    return new Part(Field.Metadata, command.substring(9, command.length - 1));
  }
  const i = NAMES.indexOf(command);
  if (i <= 0 || i == <i32>Field.Metadata) return null;
  return new Part(<Field>i, "");
}

function orDash(text: string): string {
  return text.length > 0 ? text : "-";
}

function value(p: Part, r: LogRecord): string {
  switch (p.field) {
    case Field.Literal: return p.text;
    case Field.StartTime: return isoTime(r.startNanos);
    case Field.Protocol: return orDash(r.protocol);
    case Field.Metadata: {
      const v = r.metadata.get(p.text);
      return v === null ? "-" : orDash(v);
    }
    case Field.Route: return orDash(r.route);
    case Field.Cluster: return orDash(r.cluster);
    case Field.ResponseCode: return orDash(r.responseCode);
    case Field.ResponseFlags: return orDash(r.responseFlags);
    case Field.ResponseCodeDetails: return orDash(r.replyDetail);
    case Field.Duration: return r.durationNanos < 0 ? "-" : (r.durationNanos / 1_000_000).toString();
    case Field.RequestBytes: return r.requestBytes.toString();
    case Field.ResponseBytes: return r.responseBytes < 0 ? "-" : r.responseBytes.toString();
    case Field.ConnectionId: return r.connectionId.toString();
    default: return "-";
  }
}

function pad(n: i64, width: i32): string {
  let s = n.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

/** `2024-05-01T12:34:56.789Z` from nanoseconds since the epoch (proleptic Gregorian, UTC). */
export function isoTime(nanos: u64): string {
  const ms = <i64>(nanos / 1_000_000);
  const days = ms / 86_400_000;
  const inDay = ms % 86_400_000;
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = z / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const day = doy - (153 * mp + 2) / 5 + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(inDay / 3_600_000, 2) + ":" +
    pad((inDay / 60_000) % 60, 2) + ":" + pad((inDay / 1000) % 60, 2) + "." + pad(inDay % 1000, 3) + "Z";
}
