// One decoded frame: what kind it is, how it pairs with others, how big its parts are, and the
// metadata the codec read from it. Payload bytes are never held here.
import { Metadata } from "./metadata";

export enum MessageType {
  Request = 0,
  Response = 1,
  Oneway = 2,
  StreamInit = 3,
  StreamData = 4,
  StreamClose = 5,
  Heartbeat = 6,
  Error = 7,
}

/** Protocol-neutral reasons for a local reply; the codec turns them into its own error frame. */
export enum ErrorKind {
  RouteNotFound = 0,
  ClusterNotFound = 1,
  NoHealthyUpstream = 2,
  BadResponse = 3,
  OverLimit = 4,
  Unspecified = 5,
}

export enum ResponseStatus {
  Ok = 0,
  Error = 1,
}

export class Message {
  type: MessageType = MessageType.Request;
  /** Pairs a response with its request; protocols that pair by order leave it 0. */
  requestId: u64 = 0;
  /** Bytes of the whole frame on the wire, set by the codec when it decodes the frame. */
  frameSize: i32 = 0;
  /** Bytes of protocol header (fixed header plus any variable header before the body). */
  headerSize: i32 = 0;
  /** Bytes of body (arguments / payload). */
  bodySize: i32 = 0;
  /** For responses: did the server answer with success. */
  status: ResponseStatus = ResponseStatus.Ok;
  readonly metadata: Metadata = new Metadata();

  /** Makes the object reusable for the next frame without allocating. */
  reset(): void {
    this.type = MessageType.Request;
    this.requestId = 0;
    this.frameSize = 0;
    this.headerSize = 0;
    this.bodySize = 0;
    this.status = ResponseStatus.Ok;
    this.metadata.clear();
  }

  /** Becomes a copy of `other`, for a message that must outlive the bytes it was decoded from. */
  copyFrom(other: Message): void {
    this.type = other.type;
    this.requestId = other.requestId;
    this.frameSize = other.frameSize;
    this.headerSize = other.headerSize;
    this.bodySize = other.bodySize;
    this.status = other.status;
    this.metadata.copyFrom(other.metadata);
  }
}
