// One access log entry: a request and what became of it, as the access log filter saw it.
import { ErrorKind } from "../meta/message";
import { Metadata } from "../meta/metadata";

export class LogRecord {
  /** Host clock (wall time), nanoseconds since the epoch. */
  startNanos: u64 = 0;
  /** Until the response passed; -1 when there is none (oneway). */
  durationNanos: i64 = -1;
  protocol: string = "";
  route: string = "";
  cluster: string = "";
  /** ok / error / oneway / the local reply's reason (stat-naming.ts responseCode). */
  responseCode: string = "";
  /** "-" or Envoy's short flag for a local reply's reason. */
  responseFlags: string = "-";
  localReply: bool = false;
  replyKind: ErrorKind = ErrorKind.Unspecified;
  replyDetail: string = "";
  requestBytes: i32 = 0;
  /** -1 when unknown: no response, or a local reply (the codec's error reply replaces the server's bytes). */
  responseBytes: i32 = -1;
  connectionId: u32 = 0;
  /** The request's metadata (keys a lazy codec reads were read while the request's bytes were there). */
  metadata: Metadata = new Metadata();
}
