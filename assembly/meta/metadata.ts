// String keys and values that routes and policies read. Codecs fill it while decoding; keys that
// are costly to decode (e.g. Dubbo attachments after the arguments) can be left to a lazy
// resolver that runs only when someone asks for a key that is not there yet.

/** Resolves keys on first demand; `resolve` adds whatever it finds with `metadata.set`. */
export abstract class LazyMetadata {
  abstract resolve(metadata: Metadata): void;
}

export class Metadata {
  private map: Map<string, string> = new Map<string, string>();
  private lazy: LazyMetadata | null = null;

  set(key: string, value: string): void {
    this.map.set(key, value);
  }

  has(key: string): bool {
    if (this.map.has(key)) return true;
    this.resolveLazy();
    return this.map.has(key);
  }

  /** The value, or null when the key is absent. */
  get(key: string): string | null {
    if (!this.map.has(key)) {
      this.resolveLazy();
      if (!this.map.has(key)) return null;
    }
    return this.map.get(key);
  }

  /** Defers costly keys until first asked for. */
  setLazy(lazy: LazyMetadata): void {
    this.lazy = lazy;
  }

  keys(): string[] {
    this.resolveLazy();
    return this.map.keys();
  }

  clear(): void {
    this.map.clear();
    this.lazy = null;
  }

  private resolveLazy(): void {
    const lazy = this.lazy;
    if (lazy === null) return;
    this.lazy = null;
    lazy.resolve(this);
  }
}
