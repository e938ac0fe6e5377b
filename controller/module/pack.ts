// The `pack` command: writes the OCI image of the module and prints the manifest digest, which
// is what `oci://<registry>/<repo>@sha256:...` or WasmPlugin.spec.sha256 pins once pushed.
import { packOci, type PackResult } from "./oci.ts";

export interface PackArgs {
  wasm: string;
  out: string;
  tag: string;
  annotations?: Record<string, string>;
}

export async function pack(args: PackArgs, print: (line: string) => void = console.log): Promise<PackResult | Error> {
  const result = await packOci(args.wasm, args.out, { tag: args.tag, annotations: args.annotations });
  if (result instanceof Error) return result;
  print(result.manifest.digest);
  return result;
}

/** How to push the result; printed by the CLI after the digest. */
export function pushHint(result: PackResult, tag: string): string {
  return [
    `OCI layout: ${result.layoutDir} (tarball ${result.tarball})`,
    `push: oras copy --from-oci-layout ${result.layoutDir}:${tag} <registry>/<repository>:${tag}`,
    `  or: crane push ${result.layoutDir} <registry>/<repository>:${tag}`,
  ].join("\n");
}
