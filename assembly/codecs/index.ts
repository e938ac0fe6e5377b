// The codecs built into build/meta_protocol.wasm. A user's module registers its own the same way.
import { registerCodec } from "../meta/registry";
import { BrpcCodecFactory } from "./brpc";
import { DubboCodecFactory } from "./dubbo";
import { RedisCodecFactory } from "./redis";
import { ThriftCodecFactory } from "./thrift";

export function registerBuiltinCodecs(): void {
  registerCodec(new BrpcCodecFactory());
  registerCodec(new DubboCodecFactory());
  registerCodec(new RedisCodecFactory());
  registerCodec(new ThriftCodecFactory());
}
