import { Metadata, LazyMetadata } from "../../assembly/meta/metadata";

class CountingLazy extends LazyMetadata {
  calls: i32 = 0;
  resolve(metadata: Metadata): void {
    this.calls++;
    metadata.set("attachment", "late");
  }
}

describe("Metadata", () => {
  it("returns null for an absent key", () => {
    const m = new Metadata();
    expect(m.get("method")).toBeNull();
  });
  it("resolves lazy keys once, on first miss", () => {
    const m = new Metadata();
    const lazy = new CountingLazy();
    m.set("method", "sayHello");
    m.setLazy(lazy);
    expect(m.get("method")).toBe("sayHello");
    expect(lazy.calls).toBe(0);
    expect(m.get("attachment")).toBe("late");
    expect(m.get("nothing")).toBeNull();
    expect(lazy.calls).toBe(1);
  });
});
