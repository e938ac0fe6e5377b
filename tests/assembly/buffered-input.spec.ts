import { MemoryBufferedInput } from "../../assembly/meta/buffered-input";

function filled(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = <u8>(i & 0xff);
  return b;
}

describe("BufferedInput (the window codecs read through)", () => {
  it("reads a header of a 1 MB frame with one small copy: the payload is never fetched", () => {
    const input = new MemoryBufferedInput();
    input.data = filled(1024 * 1024);
    input.begin(input.data.length);
    expect(input.bytes(0, 16)[15]).toBe(15);
    expect(input.byteAt(100)).toBe(100);
    expect(input.fetches).toBe(1);
    expect(input.fetchedBytes).toBeLessThanOrEqual(4096);
  });

  it("serves many small frames from one window", () => {
    const input = new MemoryBufferedInput();
    input.data = filled(2000);
    input.begin(2000);
    for (let frame = 0; frame < 20; frame++) {
      input.seek(frame * 100);
      expect(input.bytes(0, 8)[0]).toBe(<u8>((frame * 100) & 0xff));
    }
    expect(input.fetches).toBe(1);
  });

  it("keeps an undecided tail across callbacks and reads it before the next buffer", () => {
    const input = new MemoryBufferedInput();
    input.data = filled(10);
    input.begin(10);
    input.carryFrom(7); // bytes 7, 8, 9 passed on but are the start of a frame
    input.data = filled(5); // the next callback's buffer: 0..4
    input.begin(5);
    expect(input.carried).toBe(3);
    expect(input.length).toBe(8);
    const all = input.bytes(0, 8);
    expect(all[0]).toBe(7);
    expect(all[2]).toBe(9);
    expect(all[3]).toBe(0);
    expect(all[7]).toBe(4);
  });

  it("copies into the caller's array what bytes() would show, from the window when it holds them", () => {
    const input = new MemoryBufferedInput();
    input.data = filled(10);
    input.begin(10);
    input.carryFrom(7);
    input.data = filled(6000);
    input.begin(6000);
    const into = new Uint8Array(8);
    input.seek(1);
    input.copyTo(0, 8, into); // logical 1..8: carried 8, 9, then buffer 0..5
    expect(into[0]).toBe(8);
    expect(into[1]).toBe(9);
    expect(into[2]).toBe(0);
    expect(into[7]).toBe(5);
    const fetches = input.fetches;
    input.copyTo(100, 8, into); // inside the window just loaded: no new copy from the host
    expect(input.fetches).toBe(fetches);
    expect(into[0]).toBe(<u8>((101 - 3) & 0xff));
    input.copyTo(5000, 8, into); // past the window: loaded again
    expect(input.fetches).toBe(fetches + 1);
    for (let i = 0; i < 8; i++) expect(into[i]).toBe(input.bytes(5000 + i, 1)[0]);
  });
});
