// Serves the Wasm module over HTTP for a WasmPlugin `url: http://...` with its `sha256`:
//   GET|HEAD /meta_protocol.wasm         the module (application/wasm, ETag = its sha256)
//   GET|HEAD /meta_protocol.wasm.sha256  the hex digest to put in WasmPlugin.spec.sha256
// The file is stat'ed on every request and re-read when it changed on disk, so a rebuild is
// served at once without restarting the server.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const MODULE_URL_PATH = "/meta_protocol.wasm";

interface Snapshot {
  /** Identity of the file version on disk: inode, size and mtime/ctime. */
  version: string;
  /** False when the file was read too soon after its mtime to trust the stat (see below). */
  settled: boolean;
  bytes: Buffer;
  sha256: string;
}

// The kernel stamps mtime from a coarse clock (a few ms), so two same-size writes in quick
// succession can leave identical stat results. As git does for "racy" index entries, a file
// read within this window of its mtime is read again on the next request.
const RACY_WINDOW_MS = 2000;

export async function moduleSha256(wasmPath: string): Promise<string> {
  return createHash("sha256").update(await readFile(wasmPath)).digest("hex");
}

/** Keeps the last read of the file and re-reads it when its stat changes. */
function moduleCache(wasmPath: string): () => Promise<Snapshot | Error> {
  let current: Snapshot | undefined;
  return async () => {
    try {
      const s = await stat(wasmPath, { bigint: true });
      const version = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      if (current?.version !== version || !current.settled) {
        const bytes = await readFile(wasmPath);
        const settled = Date.now() - Number(s.mtimeMs) > RACY_WINDOW_MS;
        current = { version, settled, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
      }
      return current;
    } catch (e) {
      return new Error(`cannot read ${wasmPath}: ${(e as Error).message}`);
    }
  };
}

function send(res: ServerResponse, head: boolean, status: number, headers: Record<string, string | number>, body: Buffer | string): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, "content-length": bytes.length });
  res.end(head ? undefined : bytes);
}

/** A node:http request handler serving the module at urlPath and its digest at urlPath.sha256. */
export function moduleHandler(wasmPath: string, urlPath: string = MODULE_URL_PATH): (req: IncomingMessage, res: ServerResponse) => void {
  const load = moduleCache(wasmPath);
  return (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://module").pathname;
    const head = req.method === "HEAD";
    const text = { "content-type": "text/plain; charset=utf-8" };
    if (pathname !== urlPath && pathname !== `${urlPath}.sha256`) return send(res, head, 404, text, "not found\n");
    if (req.method !== "GET" && !head) return send(res, head, 405, { ...text, allow: "GET, HEAD" }, "method not allowed\n");
    load().then((snapshot) => {
      if (snapshot instanceof Error) return send(res, head, 503, text, `${snapshot.message}\n`);
      if (pathname !== urlPath) return send(res, head, 200, { ...text, "cache-control": "no-cache" }, `${snapshot.sha256}\n`);
      const etag = `"${snapshot.sha256}"`;
      const headers = { "content-type": "application/wasm", etag, "cache-control": "no-cache" };
      if (req.headers["if-none-match"] === etag) return send(res, head, 304, headers, "");
      send(res, head, 200, headers, snapshot.bytes);
    });
  };
}

export interface ModuleServer {
  port: number;
  /** Base URL of the module, e.g. http://127.0.0.1:8080/meta_protocol.wasm */
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server for the module; port 0 picks a free one. */
export function startModuleServer(options: { port: number; host?: string; wasmPath: string; urlPath?: string }): Promise<ModuleServer> {
  const host = options.host ?? "127.0.0.1";
  const urlPath = options.urlPath ?? MODULE_URL_PATH;
  const server = http.createServer(moduleHandler(options.wasmPath, urlPath));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const hostInUrl = host.includes(":") ? `[${host}]` : host;
      resolve({
        port,
        url: `http://${hostInUrl}:${port}${urlPath}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
          }),
      });
    });
  });
}
