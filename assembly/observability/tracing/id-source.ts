// Trace and span ids. Envoy gives a Wasm module no randomness (it refuses `env.seed`, so
// Math.random is out), so ids come from a per-VM xorshift64* state seeded from the host clock and
// the first connection's id, each draw mixed with the clock of the moment (splitmix64's finalizer).
// The ids are unique in practice (64 bits of state per VM, workers seeded apart by time and
// connection id), not unpredictable: they are no secret and must not be used as one.

/** splitmix64's output function: spreads every input bit over the whole word. */
function mix(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

export class IdSource {
  private state: u64 = 0;

  /** Seeds on first use; later calls with another connection id change nothing. */
  seed(clockNanos: u64, connectionId: u32): void {
    if (this.state != 0) return;
    const s = mix(clockNanos ^ (<u64>connectionId * 0x9e3779b97f4a7c15));
    this.state = s != 0 ? s : 0x2545f4914f6cdd1d;
  }

  /** A non-zero 64-bit id. */
  next(clockNanos: u64): u64 {
    if (this.state == 0) this.seed(clockNanos, 0);
    // xorshift64* (Vigna): never reaches 0 from a non-zero state.
    let x = this.state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    this.state = x;
    const id = mix((x * 0x2545f4914f6cdd1d) ^ clockNanos);
    return id != 0 ? id : 1;
  }
}

/** One per VM: every connection's filter draws from it. */
export const VM_IDS = new IdSource();
