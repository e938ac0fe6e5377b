// Reads the packed image back as a registry client would (index.json -> manifest -> config and
// layer, every blob checked against its digest and size) and checks Istio's compat format.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { packOci, type PackResult } from "../../controller/module/oci.ts";
import { pack, pushHint } from "../../controller/module/pack.ts";
import { readTar } from "../../controller/module/tar.ts";

const WASM = path.resolve(import.meta.dirname, "../../build/meta_protocol.wasm");
const work = mkdtempSync(path.join(tmpdir(), "module-oci-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Fetches a blob by descriptor, as a registry client does, verifying digest and size. */
function fetchBlob(layout: string, d: Descriptor): Buffer {
  const [algorithm, hex] = d.digest.split(":");
  assert.equal(algorithm, "sha256");
  const bytes = readFileSync(path.join(layout, "blobs", "sha256", hex));
  assert.equal(sha256(bytes), hex, `blob ${hex} content does not match its name`);
  assert.equal(bytes.length, d.size, `blob ${hex} size differs from its descriptor`);
  return bytes;
}

function resolveTag(layout: string, tag: string): { manifest: any; descriptor: Descriptor } {
  assert.deepEqual(JSON.parse(readFileSync(path.join(layout, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
  assert.equal(index.schemaVersion, 2);
  const descriptor = index.manifests.find((m: Descriptor) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  assert.ok(descriptor, `no manifest tagged ${tag}`);
  assert.equal(descriptor.mediaType, "application/vnd.oci.image.manifest.v1+json");
  return { manifest: JSON.parse(fetchBlob(layout, descriptor).toString("utf8")), descriptor };
}

let packed: PackResult;
const layout = path.join(work, "image");

test("packs build/meta_protocol.wasm as Istio's compat Wasm image", async () => {
  const result = await packOci(WASM, layout, { tag: "0.1.0", annotations: { "org.opencontainers.image.source": "https://example.com/src" } });
  assert.ok(!(result instanceof Error), String(result));
  packed = result;

  const { manifest, descriptor } = resolveTag(layout, "0.1.0");
  assert.equal(descriptor.digest, packed.manifest.digest);
  assert.equal(manifest.schemaVersion, 2);
  assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.equal(manifest.annotations["module.wasm.image/variant"], "compat");
  assert.equal(manifest.annotations["org.opencontainers.image.source"], "https://example.com/src");

  // Istio's imagefetcher: exactly one layer of application/vnd.oci.image.layer.v1.tar+gzip
  // whose tar holds plugin.wasm.
  assert.equal(manifest.layers.length, 1);
  assert.equal(manifest.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
  const layerTar = gunzipSync(fetchBlob(layout, manifest.layers[0]));
  const files = readTar(layerTar);
  assert.ok(!(files instanceof Error), String(files));
  const plugin = files.find((f) => f.name === "plugin.wasm");
  assert.ok(plugin, "plugin.wasm missing from the layer");
  assert.ok(Buffer.from(plugin.data).equals(readFileSync(WASM)), "layer's plugin.wasm differs from build/meta_protocol.wasm");

  assert.equal(manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
  const config = JSON.parse(fetchBlob(layout, manifest.config).toString("utf8"));
  assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [`sha256:${sha256(layerTar)}`] });

  // Nothing in blobs/ that the manifest does not reference.
  const referenced = [descriptor, manifest.config, ...manifest.layers].map((d: Descriptor) => d.digest.slice(7)).sort();
  assert.deepEqual(readdirSync(path.join(layout, "blobs", "sha256")).sort(), referenced);
});

test("GNU tar reads the layer and finds the same plugin.wasm", () => {
  const { manifest } = resolveTag(layout, "0.1.0");
  const layerFile = path.join(layout, "blobs", "sha256", manifest.layers[0].digest.slice(7));
  assert.equal(execFileSync("tar", ["-tzf", layerFile], { encoding: "utf8" }), "plugin.wasm\n");
  const extracted = execFileSync("tar", ["-xzOf", layerFile, "plugin.wasm"], { maxBuffer: 64 << 20 });
  assert.ok(extracted.equals(readFileSync(WASM)));
});

test("the tarball holds the layout folder, byte for byte", () => {
  assert.equal(packed.tarball, `${layout}.tar`);
  const archive = readFileSync(packed.tarball);
  const files = readTar(archive);
  assert.ok(!(files instanceof Error), String(files));
  const regular = files.filter((f) => f.type === "file");
  const onDisk = ["oci-layout", "index.json", ...readdirSync(path.join(layout, "blobs", "sha256")).map((f) => `blobs/sha256/${f}`)];
  assert.deepEqual(regular.map((f) => f.name).sort(), onDisk.sort());
  for (const f of regular) assert.ok(Buffer.from(f.data).equals(readFileSync(path.join(layout, f.name))), f.name);

  // And GNU tar unpacks it to a folder a client resolves the same way.
  const listed = execFileSync("tar", ["-tf", packed.tarball], { encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(listed.filter((n) => !n.endsWith("/")).sort(), onDisk.sort());
  const unpacked = path.join(work, "unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xf", packed.tarball, "-C", unpacked]);
  assert.equal(resolveTag(unpacked, "0.1.0").descriptor.digest, packed.manifest.digest);
});

test("packing is reproducible, and the digest follows the content", async () => {
  const again = await packOci(WASM, path.join(work, "again"), { tag: "0.1.0", annotations: { "org.opencontainers.image.source": "https://example.com/src" } });
  assert.ok(!(again instanceof Error));
  assert.equal(again.manifest.digest, packed.manifest.digest);

  const other = path.join(work, "other.wasm");
  writeFileSync(other, Buffer.concat([readFileSync(WASM), Buffer.from([0])]));
  const changed = await packOci(other, path.join(work, "changed"), { tag: "0.1.0", annotations: { "org.opencontainers.image.source": "https://example.com/src" } });
  assert.ok(!(changed instanceof Error));
  assert.notEqual(changed.layer.digest, packed.layer.digest);
  assert.notEqual(changed.manifest.digest, packed.manifest.digest);
});

test("re-packing into an existing layout replaces it", async () => {
  const result = await packOci(WASM, layout, { tag: "latest" });
  assert.ok(!(result instanceof Error));
  const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
  assert.deepEqual(index.manifests.map((m: Descriptor) => m.annotations?.["org.opencontainers.image.ref.name"]), ["latest"]);
  assert.equal(resolveTag(layout, "latest").descriptor.digest, result.manifest.digest);
});

test("refuses a folder that is not a layout, a file that is not Wasm, and a bad tag", async () => {
  const precious = path.join(work, "precious");
  mkdirSync(precious);
  writeFileSync(path.join(precious, "notes.txt"), "keep me");
  const refused = await packOci(WASM, precious, { tag: "v1" });
  assert.ok(refused instanceof Error && /not an OCI image layout/.test(refused.message));
  assert.equal(readFileSync(path.join(precious, "notes.txt"), "utf8"), "keep me");

  const text = path.join(work, "not.wasm");
  writeFileSync(text, "hello, not wasm");
  const notWasm = await packOci(text, path.join(work, "x"), { tag: "v1" });
  assert.ok(notWasm instanceof Error && /not a Wasm binary/.test(notWasm.message));
  assert.ok(!existsSync(path.join(work, "x")));

  const missing = await packOci(path.join(work, "missing.wasm"), path.join(work, "y"), { tag: "v1" });
  assert.ok(missing instanceof Error && /cannot read/.test(missing.message));

  const badTag = await packOci(WASM, path.join(work, "z"), { tag: "no spaces" });
  assert.ok(badTag instanceof Error && /invalid tag/.test(badTag.message));
});

test("pack() prints the manifest digest", async () => {
  const lines: string[] = [];
  const result = await pack({ wasm: WASM, out: path.join(work, "cli"), tag: "0.2.0" }, (l) => lines.push(l));
  assert.ok(!(result instanceof Error));
  assert.deepEqual(lines, [result.manifest.digest]);
  assert.match(lines[0], /^sha256:[0-9a-f]{64}$/);
  assert.equal(sha256(readFileSync(path.join(work, "cli", "blobs", "sha256", lines[0].slice(7)))), lines[0].slice(7));
  assert.ok(statSync(path.join(work, "cli.tar")).size > 0);
  const hint = pushHint(result, "0.2.0");
  assert.ok(hint.includes(`oras copy --from-oci-layout ${path.join(work, "cli")}:0.2.0 `), hint);
});
