// `pack [--wasm PATH] --out DIR [--tag TAG]`: writes the module as an OCI image in Istio's Wasm image
// format (controller/module/oci.ts): a layout folder and a tarball that oras or crane can push.
import { parseArgs } from "node:util";
import { pack, pushHint } from "../module/pack.ts";
import type { Command } from "./io.ts";

export const packCommand: Command = {
  summary: "write the module as an OCI image (layout folder and tarball) for a WasmPlugin's oci:// url",
  usage: "pack --out DIR [--wasm PATH] [--tag TAG]",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { out: { type: "string" }, wasm: { type: "string", default: "build/meta_protocol.wasm" }, tag: { type: "string", default: "latest" } },
    });
    if (!values.out) {
      io.err(`--out is required\nusage: ${packCommand.usage}`);
      return 2;
    }
    const result = await pack({ wasm: values.wasm!, out: values.out, tag: values.tag! }, io.out);
    if (result instanceof Error) {
      io.err(result.message);
      return 1;
    }
    io.out(pushHint(result, values.tag!));
    return 0;
  },
};
