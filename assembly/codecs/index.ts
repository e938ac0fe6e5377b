// The codecs built into build/meta_protocol.wasm. A user's module registers its own the same way.
import { registerCodec } from "../meta/registry";
import { DubboCodecFactory } from "./dubbo";

export function registerBuiltinCodecs(): void {
  registerCodec(new DubboCodecFactory());
}
