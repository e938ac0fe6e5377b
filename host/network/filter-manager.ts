// One connection's network filter chain, as Envoy's FilterManagerImpl runs it
// (source/common/network/filter_manager_impl.cc). It knows no filter by type: the wasm filter,
// tcp_proxy and any other are ReadFilters / WriteFilters with their own ReadFilterCallbacks.
// It needs no socket either: the connection it serves is the small interface below.
import type { ByteBuffer } from "./buffer.ts";
import { FilterStatus, type FilterConnection, type ReadFilter, type ReadFilterCallbacks, type WriteFilter } from "./filter.ts";

/** What the filter manager needs of its connection: the state and the read buffer (Envoy's ReadBufferSource). */
export interface ManagedConnection extends FilterConnection {
  readonly readBuffer: ByteBuffer;
  readonly readEnd: boolean;
}

/** filter_manager_impl.h ActiveReadFilter: a read filter, whether it has been initialised, and its callbacks. */
class ActiveReadFilter implements ReadFilterCallbacks {
  initialized = false;

  constructor(
    private parent: FilterManager,
    readonly filter: ReadFilter,
  ) {}

  get connection(): FilterConnection {
    return this.parent.connection;
  }

  /** ActiveReadFilter::continueReading: iteration resumes with the filter after this one. */
  continueReading(): void {
    this.parent.onContinueReading(this);
  }

  /** ActiveReadFilter::upstreamHost: one value for the whole chain (FilterManagerImpl::host_description_). */
  upstreamHost(): string | undefined {
    return this.parent.upstreamHostAddress;
  }

  setUpstreamHost(address: string): void {
    this.parent.upstreamHostAddress = address;
  }
}

export class FilterManager {
  private readFilters: ActiveReadFilter[] = [];
  private writeFilters: WriteFilter[] = [];
  upstreamHostAddress: string | undefined;

  constructor(readonly connection: ManagedConnection) {}

  /** FilterManagerImpl::addReadFilter: the filter gets its callbacks at once, then joins the back of the list. */
  addReadFilter(filter: ReadFilter): void {
    const active = new ActiveReadFilter(this, filter);
    filter.initializeReadFilterCallbacks(active);
    this.readFilters.push(active);
  }

  /** FilterManagerImpl::addWriteFilter: moveIntoFront, so write filters run in the reverse of the chain's order. */
  addWriteFilter(filter: WriteFilter): void {
    this.writeFilters.unshift(filter);
  }

  /** FilterManagerImpl::addFilter: both a read and a write filter. */
  addFilter(filter: ReadFilter & WriteFilter): void {
    this.addReadFilter(filter);
    this.addWriteFilter(filter);
  }

  /** FilterManagerImpl::initializeReadFilters: false when the chain has no read filter (Envoy closes such a connection). */
  initializeReadFilters(): boolean {
    if (this.readFilters.length === 0) return false;
    this.onContinueReading(null);
    return true;
  }

  /** FilterManagerImpl::onRead: new bytes (or a fake read event) start at the first filter. */
  onRead(): void {
    this.onContinueReading(null);
  }

  /**
   * FilterManagerImpl::onContinueReading: from the first filter, or the one after `after`; a filter
   * is initialised (onNewConnection) the first time iteration reaches it; onData only when there
   * are bytes or end of stream; StopIteration, or a connection no longer open, ends the pass with
   * the bytes left in the read buffer.
   */
  onContinueReading(after: ActiveReadFilter | null): void {
    const conn = this.connection;
    if (!conn.open) return;
    for (let i = after ? this.readFilters.indexOf(after) + 1 : 0; i < this.readFilters.length; i++) {
      const entry = this.readFilters[i];
      if (!entry.initialized) {
        entry.initialized = true;
        if (entry.filter.onNewConnection() === FilterStatus.StopIteration || !conn.open) return;
      }
      if (conn.readBuffer.length > 0 || conn.readEnd) {
        if (entry.filter.onData(conn.readBuffer, conn.readEnd) === FilterStatus.StopIteration || !conn.open) return;
      }
    }
  }

  /** FilterManagerImpl::onWrite: every write filter in turn; StopIteration (or a closed connection) keeps the bytes back. */
  onWrite(data: ByteBuffer, endStream: boolean): FilterStatus {
    const conn = this.connection;
    if (!conn.open) return FilterStatus.StopIteration;
    for (const filter of this.writeFilters) {
      if (filter.onWrite(data, endStream) === FilterStatus.StopIteration || !conn.open) return FilterStatus.StopIteration;
    }
    return FilterStatus.Continue;
  }
}
