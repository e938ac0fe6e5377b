// The ustar writer/reader behind the OCI layer and the layout tarball, checked against itself
// and against GNU tar.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readTar, writeTar } from "../../controller/module/tar.ts";

const work = mkdtempSync(path.join(tmpdir(), "module-tar-"));
after(() => rmSync(work, { recursive: true, force: true }));

const longName = `${"deep/".repeat(25)}file.bin`; // 133 bytes: needs the ustar prefix field
const entries = [
  { name: "dir" },
  { name: "dir/empty" , data: new Uint8Array(0) },
  { name: "dir/exact-block", data: new Uint8Array(512).fill(7) },
  { name: "odd", data: Buffer.from("x".repeat(513)) },
  { name: longName, data: Buffer.from("long") },
];

test("round-trips files, directories, block-sized and long-named entries", () => {
  const archive = writeTar(entries);
  assert.equal(archive.length % 512, 0);
  const files = readTar(archive);
  assert.ok(!(files instanceof Error), String(files));
  assert.deepEqual(files.map((f) => [f.name, f.type]), [
    ["dir/", "directory"],
    ["dir/empty", "file"],
    ["dir/exact-block", "file"],
    ["odd", "file"],
    [longName, "file"],
  ]);
  for (const e of entries.filter((e) => e.data)) {
    assert.ok(Buffer.from(files.find((f) => f.name === e.name)!.data).equals(Buffer.from(e.data!)), e.name);
  }
});

test("GNU tar lists and extracts what we write", () => {
  const file = path.join(work, "a.tar");
  writeFileSync(file, writeTar(entries));
  const listed = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(listed, ["dir/", "dir/empty", "dir/exact-block", "odd", longName]);
  execFileSync("tar", ["-xf", file, "-C", work]);
  assert.equal(readFileSync(path.join(work, "odd"), "utf8"), "x".repeat(513));
  assert.equal(readFileSync(path.join(work, longName), "utf8"), "long");
});

test("reads what GNU tar writes", () => {
  writeFileSync(path.join(work, "gnu.txt"), "from gnu tar\n");
  const file = path.join(work, "gnu.tar");
  execFileSync("tar", ["--format=ustar", "-cf", file, "-C", work, "gnu.txt"]);
  const files = readTar(readFileSync(file));
  assert.ok(!(files instanceof Error), String(files));
  assert.deepEqual(files.map((f) => [f.name, Buffer.from(f.data).toString()]), [["gnu.txt", "from gnu tar\n"]]);
});

test("is deterministic", () => {
  assert.ok(writeTar(entries).equals(writeTar(entries)));
});

test("reports a corrupted header, a truncated archive and a name too long", () => {
  const archive = writeTar(entries);
  const corrupt = Buffer.from(archive);
  corrupt[5] ^= 0xff;
  const bad = readTar(corrupt);
  assert.ok(bad instanceof Error && /checksum/.test(bad.message));

  const truncated = readTar(archive.subarray(0, 512 * 4));
  assert.ok(truncated instanceof Error);

  assert.throws(() => writeTar([{ name: "x".repeat(101), data: new Uint8Array(1) }]), /path too long/);
});
