// The result of decoding untrusted bytes: a value, or an error text for the caller to log or send
// back (an xDS NACK's error_detail). Exactly one of the two is set.
export class Decoded<T> {
  private constructor(public value: T | null, public error: string | null) {}

  static ok<T>(value: T): Decoded<T> {
    return new Decoded<T>(value, null);
  }

  static fail<T>(error: string): Decoded<T> {
    return new Decoded<T>(null, error);
  }
}
