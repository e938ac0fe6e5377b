// Envoy's token bucket: starts full, adds `tokensPerFill` every `fillInterval` up to `maxTokens`.
// Refilled lazily from the clock when asked, so no timer runs while nobody sends.
export class TokenBucket {
  private tokens: i64;
  private lastFillNanos: u64 = 0;

  constructor(readonly maxTokens: i64, readonly tokensPerFill: i64, readonly fillIntervalNanos: u64) {
    this.tokens = maxTokens;
  }

  /** Takes one token at time `nowNanos`; false when none is left. */
  take(nowNanos: u64): bool {
    if (this.lastFillNanos == 0) this.lastFillNanos = nowNanos;
    if (nowNanos > this.lastFillNanos) {
      const fills = (nowNanos - this.lastFillNanos) / this.fillIntervalNanos;
      if (fills > 0) {
        const added = <i64>fills * this.tokensPerFill;
        this.tokens = added >= this.maxTokens - this.tokens ? this.maxTokens : this.tokens + added;
        this.lastFillNanos += fills * this.fillIntervalNanos;
      }
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }
}
