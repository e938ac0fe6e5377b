// One ADS stream's state-of-the-world protocol for the route configuration type, without I/O:
// requests and snapshots go in, responses come out through `respond`. The rules, as Envoy and
// go-control-plane have them:
// - a request carrying a nonce other than the last one sent is stale (the client has not seen our
//   latest response yet) and is ignored;
// - the first request is answered at once when there is a snapshot, and later when there is one;
// - a request with the last nonce is an ACK, or a NACK when error_detail is set; either opens the
//   watch again, answered as soon as the snapshot's version differs from the one last sent (so a
//   NACKed version is never sent again on this stream) or, after an ACK, when the client asks for
//   other resource names;
// - while a response is unanswered, a new snapshot waits for the client's ACK or NACK.
import { UNKNOWN_NODE, type NodeStatusBook } from "./node-status.ts";
import { ROUTE_CONFIGURATION_TYPE_URL } from "./proto-root.ts";
import { selectResources, type PackedResource, type Snapshot } from "./snapshot.ts";

/** The fields of envoy.service.discovery.v3.DiscoveryRequest the server reads. */
export interface DiscoveryRequestFields {
  version_info: string;
  node?: { id?: string } | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code?: number; message?: string } | null;
}

/** envoy.service.discovery.v3.DiscoveryResponse as the server sends it. */
export interface DiscoveryResponseFields {
  version_info: string;
  resources: PackedResource[];
  type_url: string;
  nonce: string;
}

export interface AdsStreamOptions {
  respond: (response: DiscoveryResponseFields) => void;
  book: NodeStatusBook;
  nextNonce: () => string;
  log: (message: string) => void;
}

export class AdsStream {
  private node: string | undefined;
  private subscribed = false;
  private names: string[] = [];
  private lastNonce: string | undefined;
  private lastSentVersion: string | undefined;
  private lastSentNames = "";
  /** A response is out and neither ACKed nor NACKed yet. */
  private awaitingReply = false;

  constructor(private readonly options: AdsStreamOptions) {}

  onRequest(request: DiscoveryRequestFields, snapshot: Snapshot | undefined): void {
    if (this.node === undefined) {
      this.node = request.node?.id || UNKNOWN_NODE;
      this.options.book.streamOpened(this.node);
    }
    if (request.type_url !== ROUTE_CONFIGURATION_TYPE_URL) {
      this.options.log(`node ${this.node}: no resources of type ${request.type_url || "(empty)"}, not answered`);
      return;
    }
    if (this.lastNonce !== undefined && request.response_nonce !== this.lastNonce) return; // stale
    this.subscribed = true;
    this.names = [...request.resource_names];
    let namesMayChange = true;
    if (this.lastNonce !== undefined) {
      this.awaitingReply = false;
      const error = request.error_detail;
      if (error) {
        this.options.book.nacked(this.node, this.lastSentVersion ?? "", error.message ?? "");
        this.options.log(`node ${this.node} rejected version ${this.lastSentVersion}: ${error.message}`);
        namesMayChange = false;
      } else {
        this.options.book.acked(this.node, request.version_info);
      }
    }
    this.answer(snapshot, namesMayChange);
  }

  onSnapshot(snapshot: Snapshot): void {
    this.answer(snapshot, false);
  }

  /** Called when the stream ends, from either side. */
  onClose(): void {
    if (this.node !== undefined) this.options.book.streamClosed(this.node);
  }

  private answer(snapshot: Snapshot | undefined, namesMayChange: boolean): void {
    if (!snapshot || !this.subscribed || this.awaitingReply) return;
    const names = nameKey(this.names);
    const newVersion = snapshot.version !== this.lastSentVersion;
    if (!newVersion && !(namesMayChange && names !== this.lastSentNames)) return;
    const nonce = this.options.nextNonce();
    this.lastNonce = nonce;
    this.lastSentVersion = snapshot.version;
    this.lastSentNames = names;
    this.awaitingReply = true;
    this.options.book.sent(this.node ?? UNKNOWN_NODE, snapshot.version, nonce);
    this.options.respond({
      version_info: snapshot.version,
      resources: selectResources(snapshot, this.names).map((r) => r.packed),
      type_url: ROUTE_CONFIGURATION_TYPE_URL,
      nonce,
    });
  }
}

function nameKey(names: readonly string[]): string {
  return JSON.stringify([...new Set(names)].sort());
}
