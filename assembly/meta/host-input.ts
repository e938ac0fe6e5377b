// The FrameInput over the host's DOWNSTREAM_DATA or UPSTREAM_DATA buffer: windows are copied
// straight into a reused guest array, so reading a header costs one host call and no allocation.
import { getBufferBytesInto } from "../abi/host";
import { BufferType } from "../abi/types";
import { BufferedInput } from "./buffered-input";

export class HostBufferInput extends BufferedInput {
  constructor(private type: BufferType) {
    super();
  }

  protected fetch(start: i32, length: i32, into: Uint8Array): i32 {
    const copied = getBufferBytesInto(this.type, <u32>start, <u32>length, into);
    return copied < 0 ? 0 : copied;
  }
}
