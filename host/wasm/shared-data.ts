// Envoy's process-wide shared data: one key space per vm_id, shared by every worker's VM copy,
// with a compare-and-swap number per key (proxy-wasm-cpp-host src/shared_data.cc).
export class SharedData {
  private byVm = new Map<string, Map<string, { value: Buffer; cas: number }>>();
  private nextCas = 1;

  get(vmId: string, key: string): { value: Buffer; cas: number } | undefined {
    return this.byVm.get(vmId)?.get(key);
  }

  /** False on CAS mismatch: a non-zero cas must equal the key's current one. */
  set(vmId: string, key: string, value: Buffer, cas: number): boolean {
    let space = this.byVm.get(vmId);
    if (!space) this.byVm.set(vmId, (space = new Map()));
    const current = space.get(key);
    if (cas !== 0 && current && current.cas !== cas) return false;
    space.set(key, { value: Buffer.from(value), cas: this.nextCas++ });
    return true;
  }
}
