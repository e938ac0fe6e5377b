// What the codec specs share: golden frames as Uint8Array, decoding one frame from a prefix, and
// the split-at-every-byte check every codec must pass.
import { Codec, DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { MemoryInput } from "../../../assembly/meta/input";
import { Message } from "../../../assembly/meta/message";

/** The maxFrameSize codecs are created with, unless a test is about the limit. */
export const MAX: i32 = 8 * 1024 * 1024;

export function bytesOf(a: u8[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function decodeOne(codec: Codec, data: Uint8Array, direction: Direction, m: Message): DecodeStatus {
  m.reset();
  return codec.decode(new MemoryInput(data), direction, m);
}

/**
 * Every prefix of `frame` either needs more data or decodes to the same frame as the whole does;
 * once a prefix decodes, every longer one does. Returns how many bytes the first Done needed.
 */
export function checkEverySplit(codec: Codec, frame: Uint8Array, direction: Direction): i32 {
  const whole = new Message();
  expect(decodeOne(codec, frame, direction, whole)).toBe(DecodeStatus.Done);
  expect(whole.frameSize).toBe(frame.length);
  const m = new Message();
  let first = -1;
  for (let n = 0; n < frame.length; n++) {
    const status = decodeOne(codec, frame.subarray(0, n), direction, m);
    if (status == DecodeStatus.NeedMoreData) {
      expect(first).toBe(-1);
      continue;
    }
    expect(status).toBe(DecodeStatus.Done);
    if (first < 0) first = n;
    expect(m.frameSize).toBe(frame.length);
    expect(m.type).toBe(whole.type);
    expect(m.requestId).toBe(whole.requestId);
    expect(m.status).toBe(whole.status);
    expect(m.metadata.get("method")).toBe(whole.metadata.get("method"));
  }
  return first < 0 ? frame.length : first;
}

/** Decodes `data` frame after frame into new messages; stops at the first frame that is not Done. */
export function decodeFrames(codec: Codec, data: Uint8Array, direction: Direction): Message[] {
  const input = new MemoryInput(data);
  const out: Message[] = [];
  while (input.available > 0) {
    const m = new Message();
    if (codec.decode(input, direction, m) != DecodeStatus.Done) break;
    out.push(m);
    input.advance(m.frameSize);
  }
  return out;
}
