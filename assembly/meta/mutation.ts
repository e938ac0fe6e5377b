// Keys and values a filter asks the codec to write into a frame when it re-encodes it
// (Dubbo attachments, THeader headers, ...). Order of insertion is kept.
export class Mutation {
  readonly keys: string[] = [];
  readonly values: string[] = [];

  set(key: string, value: string): void {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.values[i] = value;
      return;
    }
    this.keys.push(key);
    this.values.push(value);
  }

  get size(): i32 {
    return this.keys.length;
  }

  get isEmpty(): bool {
    return this.keys.length == 0;
  }
}
