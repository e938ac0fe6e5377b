// The module's HTTP endpoint, as Istio's agent fetches it (url + sha256), over real sockets.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { moduleHandler, moduleSha256, startModuleServer, type ModuleServer } from "../../controller/module/serve.ts";

const WASM = path.resolve(import.meta.dirname, "../../build/meta_protocol.wasm");
const work = mkdtempSync(path.join(tmpdir(), "module-serve-"));
after(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function withServer(wasmPath: string, run: (server: ModuleServer) => Promise<void>): Promise<void> {
  const server = await startModuleServer({ port: 0, wasmPath });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

test("GET returns the exact bytes, and the sha256 endpoint their digest", async () => {
  const file = path.join(work, "meta_protocol.wasm");
  copyFileSync(WASM, file);
  const expected = readFileSync(WASM);
  await withServer(file, async (server) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/meta_protocol\.wasm$/);
    const module = await get(server.url);
    assert.equal(module.status, 200);
    assert.equal(module.headers.get("content-type"), "application/wasm");
    assert.ok(module.body.equals(expected), "served bytes differ from the file");
    assert.equal(module.headers.get("etag"), `"${sha256(module.body)}"`);

    const digest = await get(`${server.url}.sha256`);
    assert.equal(digest.status, 200);
    assert.equal(digest.body.toString().trim(), sha256(module.body));
    assert.equal(await moduleSha256(file), sha256(expected));
  });
});

test("HEAD answers headers only, If-None-Match gets 304, other paths 404, other methods 405", async () => {
  const file = path.join(work, "head.wasm");
  copyFileSync(WASM, file);
  await withServer(file, async (server) => {
    const head = await get(server.url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(readFileSync(WASM).length));
    assert.equal(head.body.length, 0);

    const etag = head.headers.get("etag")!;
    assert.equal((await get(server.url, { headers: { "if-none-match": etag } })).status, 304);
    assert.equal((await get(server.url, { headers: { "if-none-match": '"stale"' } })).status, 200);

    const base = server.url.slice(0, -"/meta_protocol.wasm".length);
    for (const p of ["/", "/other.wasm", "/meta_protocol.wasm/x", "/meta_protocol.wasm.sha512"]) {
      assert.equal((await get(base + p)).status, 404, p);
    }
    assert.equal((await get(server.url, { method: "POST", body: "x" })).status, 405);
  });
});

test("a file changed on disk is served fresh", async () => {
  const file = path.join(work, "changing.wasm");
  writeFileSync(file, Buffer.from("\0asm version one"));
  await withServer(file, async (server) => {
    const first = await get(server.url);
    assert.equal(first.body.toString(), "\0asm version one");

    // Same size, rewritten in place: only the mtime/ctime tells the versions apart.
    writeFileSync(file, Buffer.from("\0asm version two"));
    const second = await get(server.url);
    assert.equal(second.body.toString(), "\0asm version two");
    assert.notEqual(second.headers.get("etag"), first.headers.get("etag"));
    assert.equal((await get(`${server.url}.sha256`)).body.toString().trim(), sha256(Buffer.from("\0asm version two")));

    // Rewritten with its old mtime restored (as cp -p or a cache restore does): still seen.
    const old = new Date("2020-01-01T00:00:00Z");
    writeFileSync(file, Buffer.from("\0asm version 2.a"));
    utimesSync(file, old, old);
    assert.equal((await get(server.url)).body.toString(), "\0asm version 2.a");
    writeFileSync(file, Buffer.from("\0asm version 2.b"));
    utimesSync(file, old, old);
    assert.equal((await get(server.url)).body.toString(), "\0asm version 2.b");

    // Replaced by rename, as build tools do.
    const next = path.join(work, "next.wasm");
    writeFileSync(next, Buffer.from("\0asm version three!"));
    renameSync(next, file);
    assert.equal((await get(server.url)).body.toString(), "\0asm version three!");

    // Gone: an error, not a stale module.
    rmSync(file);
    const gone = await get(server.url);
    assert.equal(gone.status, 503);
  });
});

test("the handler mounts in any node:http server", async () => {
  const server = http.createServer(moduleHandler(WASM, "/modules/mp.wasm"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  try {
    const res = await get(`http://127.0.0.1:${port}/modules/mp.wasm`);
    assert.ok(res.body.equals(readFileSync(WASM)));
    assert.equal((await get(`http://127.0.0.1:${port}/meta_protocol.wasm`)).status, 404);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test("close() frees the port, even with a keep-alive connection open", async () => {
  const server = await startModuleServer({ port: 0, wasmPath: WASM });
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) =>
    http.get(server.url, { agent }, (res) => res.resume().on("end", resolve)).on("error", reject),
  );
  await server.close();
  agent.destroy();
  // The port can be bound again, and nothing answers on it any more.
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(server.port, "127.0.0.1", resolve));
  await new Promise((r) => probe.close(r));
  await assert.rejects(fetch(server.url));
});
