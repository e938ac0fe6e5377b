// Packs the Wasm module as an OCI image that Istio's WasmPlugin (`url: oci://...`) pulls.
//
// Format: the *compat* variant of the Wasm image spec (solo-io/wasm spec-compat.md), the one
// Istio's pkg/wasm/imagefetcher.go tries first: exactly one layer of the standard media type
// application/vnd.oci.image.layer.v1.tar+gzip whose tar holds `plugin.wasm`, and the manifest
// annotation module.wasm.image/variant=compat. Istio's other ("oci") variant, a raw layer of
// application/vnd.module.wasm.content.layer.v1+wasm, is refused by Istio unless the image has
// exactly two layers, and registries may refuse its custom media types; compat works with
// every registry, docker, crane and oras.
//
// Output: an OCI image-layout folder (oci-layout, index.json, blobs/sha256/<hex>) plus
// `<outDir>.tar`, the same folder as an uncompressed tarball. Both are byte-for-byte
// reproducible: the same module and options give the same manifest digest.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { writeTar, type TarEntry } from "./tar.ts";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export const WASM_FILE_IN_LAYER = "plugin.wasm";
export const VARIANT_ANNOTATION = "module.wasm.image/variant";
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface PackOptions {
  /** The tag recorded as org.opencontainers.image.ref.name in index.json. */
  tag: string;
  /** Extra manifest annotations (e.g. org.opencontainers.image.source). */
  annotations?: Record<string, string>;
}

export interface PackResult {
  layoutDir: string;
  tarball: string;
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
}

interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return { descriptor: { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length }, bytes };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

// A tag per the OCI distribution spec.
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Builds the three blobs of the image (layer, config, manifest) in memory. */
export function buildImage(wasm: Uint8Array, annotations: Record<string, string> = {}): { layer: Blob; config: Blob; manifest: Blob } {
  const layerTar = writeTar([{ name: WASM_FILE_IN_LAYER, data: wasm }]);
  const layer = blob(MEDIA_TYPES.layer, gzipSync(layerTar, { level: 9 }));
  // diff_ids name the uncompressed layer, as image tools verify on unpack. The platform is the
  // one container tools use for Wasm images; nothing in Istio reads it.
  const config = blob(
    MEDIA_TYPES.config,
    json({
      architecture: "wasm",
      os: "wasip1",
      config: {},
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256Hex(layerTar)}`] },
    }),
  );
  const manifest = blob(
    MEDIA_TYPES.manifest,
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: config.descriptor,
      layers: [layer.descriptor],
      annotations: { ...annotations, [VARIANT_ANNOTATION]: "compat" },
    }),
  );
  return { layer, config, manifest };
}

/** Refuses to overwrite a folder that is not an earlier OCI layout; clears one that is. */
async function prepareLayoutDir(dir: string): Promise<Error | undefined> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes("oci-layout")) {
      return new Error(`${dir} exists and is not an OCI image layout; refusing to overwrite it`);
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  return undefined;
}

/** Writes the module at wasmPath as an OCI image layout in outDir and as `<outDir>.tar`. */
export async function packOci(wasmPath: string, outDir: string, options: PackOptions): Promise<PackResult | Error> {
  if (!TAG.test(options.tag)) return new Error(`invalid tag "${options.tag}"`);
  let wasm: Buffer;
  try {
    wasm = await readFile(wasmPath);
  } catch (e) {
    return new Error(`cannot read ${wasmPath}: ${(e as Error).message}`);
  }
  if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d) return new Error(`${wasmPath} is not a Wasm binary`);

  const { layer, config, manifest } = buildImage(wasm, options.annotations);
  const layoutDir = path.resolve(outDir);
  const prepared = await prepareLayoutDir(layoutDir);
  if (prepared) return prepared;

  const files: Array<{ name: string; bytes: Buffer }> = [
    { name: "oci-layout", bytes: json({ imageLayoutVersion: "1.0.0" }) },
    {
      name: "index.json",
      bytes: json({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.index,
        manifests: [{ ...manifest.descriptor, annotations: { [REF_NAME_ANNOTATION]: options.tag } }],
      }),
    },
    ...[layer, config, manifest].map((b) => ({ name: `blobs/sha256/${b.descriptor.digest.slice("sha256:".length)}`, bytes: b.bytes })),
  ];
  for (const f of files) await writeFile(path.join(layoutDir, f.name), f.bytes);

  const entries: TarEntry[] = [
    { name: "blobs" },
    { name: "blobs/sha256" },
    ...files.map((f) => ({ name: f.name, data: f.bytes })),
  ];
  const tarball = layoutDir.replace(/[\\/]+$/, "") + ".tar";
  await writeFile(tarball, writeTar(entries));

  return { layoutDir, tarball, manifest: manifest.descriptor, config: config.descriptor, layer: layer.descriptor };
}
