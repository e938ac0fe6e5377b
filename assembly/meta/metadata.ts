// String keys and values that routes and policies read. Codecs fill it while decoding; keys that
// are costly to decode (e.g. Dubbo attachments after the arguments) can be left to a lazy
// resolver that runs only when someone asks for a key that is not there yet.

/** Resolves keys on first demand; `resolve` adds whatever it finds with `metadata.set`. */
export abstract class LazyMetadata {
  abstract resolve(metadata: Metadata): void;
}

/**
 * A handful of keys per message: kept in two parallel arrays searched in order, which is faster
 * than a hash map at this size and is emptied without allocating for the next message.
 */
export class Metadata {
  private names: string[] = [];
  private values: string[] = [];
  private count: i32 = 0;
  private lazy: LazyMetadata | null = null;

  set(key: string, value: string): void {
    const i = this.indexOf(key);
    if (i >= 0) {
      unchecked((this.values[i] = value));
      return;
    }
    if (this.count < this.names.length) {
      unchecked((this.names[this.count] = key));
      unchecked((this.values[this.count] = value));
    } else {
      this.names.push(key);
      this.values.push(value);
    }
    this.count++;
  }

  has(key: string): bool {
    if (this.indexOf(key) >= 0) return true;
    this.resolveLazy();
    return this.indexOf(key) >= 0;
  }

  /** The value, or null when the key is absent. */
  get(key: string): string | null {
    let i = this.indexOf(key);
    if (i < 0) {
      this.resolveLazy();
      i = this.indexOf(key);
      if (i < 0) return null;
    }
    return unchecked(this.values[i]);
  }

  /** Defers costly keys until first asked for. */
  setLazy(lazy: LazyMetadata): void {
    this.lazy = lazy;
  }

  /** Drops the lazy reader (its bytes are about to go): keys it did not read stay absent. */
  forgetLazy(): void {
    this.lazy = null;
  }

  keys(): string[] {
    this.resolveLazy();
    return this.names.slice(0, this.count);
  }

  clear(): void {
    this.count = 0;
    this.lazy = null;
  }

  /** Becomes a copy of the keys `other` has read (keys left to its lazy reader stay absent). */
  copyFrom(other: Metadata): void {
    this.clear();
    for (let i = 0; i < other.count; i++) this.set(unchecked(other.names[i]), unchecked(other.values[i]));
  }

  private indexOf(key: string): i32 {
    for (let i = 0; i < this.count; i++) {
      if (unchecked(this.names[i]) == key) return i;
    }
    return -1;
  }

  private resolveLazy(): void {
    const lazy = this.lazy;
    if (lazy === null) return;
    this.lazy = null;
    lazy.resolve(this);
  }
}
