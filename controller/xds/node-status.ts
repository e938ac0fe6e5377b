// What each proxy (by xDS node id) last received, accepted and refused: the controller's
// `proxy-status`. A node may hold several streams at once (Envoy opens one per worker when the
// Wasm module runs in every worker's VM); the status is the node's, merged over its streams.

export interface VersionAt {
  version: string;
  /** ISO 8601 time. */
  at: string;
}

export interface NackRecord extends VersionAt {
  /** error_detail.message of the NACK. */
  error: string;
}

export interface SentRecord extends VersionAt {
  nonce: string;
}

export interface NodeStatus {
  node: string;
  streamOpen: boolean;
  /** How many streams the node has open now. */
  streams: number;
  /** The last version the node accepted. */
  acked?: VersionAt;
  /** The last version the node refused; kept after a later ACK, so compare the times. */
  nacked?: NackRecord;
  /** The last response sent to the node. */
  lastSent?: SentRecord;
}

/** The node id used for a stream whose requests carry no node. */
export const UNKNOWN_NODE = "";

export class NodeStatusBook {
  private readonly nodes = new Map<string, NodeStatus>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  streamOpened(node: string): void {
    const s = this.entry(node);
    s.streams += 1;
    s.streamOpen = true;
  }

  streamClosed(node: string): void {
    const s = this.entry(node);
    s.streams = Math.max(0, s.streams - 1);
    s.streamOpen = s.streams > 0;
  }

  sent(node: string, version: string, nonce: string): void {
    this.entry(node).lastSent = { version, nonce, at: this.time() };
  }

  acked(node: string, version: string): void {
    this.entry(node).acked = { version, at: this.time() };
  }

  nacked(node: string, version: string, error: string): void {
    this.entry(node).nacked = { version, error, at: this.time() };
  }

  /** A copy, one entry per node ever seen, sorted by node id. */
  status(): NodeStatus[] {
    return [...this.nodes.values()]
      .map((s) => structuredClone(s))
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  private entry(node: string): NodeStatus {
    let s = this.nodes.get(node);
    if (!s) {
      s = { node, streamOpen: false, streams: 0 };
      this.nodes.set(node, s);
    }
    return s;
  }

  private time(): string {
    return this.now().toISOString();
  }
}
