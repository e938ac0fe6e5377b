// A minimal POSIX ustar writer and reader: enough for an OCI layer holding plugin.wasm and for
// the tarball of an OCI image-layout folder. Every header carries mtime 0, uid/gid 0 and fixed
// modes so the same inputs always give the same bytes (and so the same digests).

const BLOCK = 512;

export interface TarEntry {
  name: string;
  /** Absent for a directory. */
  data?: Uint8Array;
}

export interface TarFile {
  name: string;
  type: "file" | "directory";
  data: Uint8Array;
}

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

// Numeric fields are zero-padded octal followed by a NUL.
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

/** Splits a long path over ustar's prefix (155) and name (100) fields. */
function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  const cut = name.lastIndexOf("/", 155);
  if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name}`);
  return { prefix: name.slice(0, cut), name: name.slice(cut + 1) };
}

function header(entry: TarEntry): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const isDir = entry.data === undefined;
  const { prefix, name } = splitName(isDir && !entry.name.endsWith("/") ? entry.name + "/" : entry.name);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, isDir ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, entry.data?.length ?? 0);
  writeOctal(h, 136, 12, 0); // mtime
  writeString(h, 156, 1, isDir ? "5" : "0");
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  // The checksum is computed with its own field read as eight spaces.
  h.fill(0x20, 148, 156);
  const sum = h.reduce((acc, b) => acc + b, 0);
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** Serialises entries, in order, as an uncompressed ustar archive. */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (entry.data && entry.data.length > 0) {
      parts.push(entry.data);
      const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Parses a ustar archive (regular files and directories), checking each header's checksum. */
export function readTar(archive: Uint8Array): TarFile[] | Error {
  const files: TarFile[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) return files;
    const stored = readOctal(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    if (stored !== sum) return new Error(`tar: bad header checksum at byte ${offset}`);
    const prefix = readString(block, 345, 155);
    const name = (prefix ? prefix + "/" : "") + readString(block, 0, 100);
    const size = readOctal(block, 124, 12);
    const flag = readString(block, 156, 1);
    offset += BLOCK;
    if (offset + size > archive.length) return new Error(`tar: ${name} runs past the end of the archive`);
    if (flag === "5") files.push({ name, type: "directory", data: new Uint8Array(0) });
    else if (flag === "0" || flag === "") files.push({ name, type: "file", data: archive.slice(offset, offset + size) });
    else return new Error(`tar: unsupported entry type "${flag}" for ${name}`);
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return new Error("tar: archive ends without its end-of-archive marker");
}
