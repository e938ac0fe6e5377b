// The FrameInput over one direction's buffer in Envoy, reached through its BufferPort: windows are
// copied straight into a reused guest array, so reading a header costs one host call and no allocation.
import { BufferedInput } from "./buffered-input";
import { BufferPort } from "./ports";

export class PortInput extends BufferedInput {
  constructor(private port: BufferPort) {
    super();
  }

  protected fetch(start: i32, length: i32, into: Uint8Array): i32 {
    const copied = this.port.fetch(start, length, into);
    return copied < 0 ? 0 : copied;
  }
}
