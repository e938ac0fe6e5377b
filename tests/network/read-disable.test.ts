// ConnectionImpl::readDisable (source/common/network/connection_impl.cc): counted, and when reads
// come back on with bytes still in the read buffer, they go through the chain again from its first
// filter (dispatch_buffered_data_), on a later turn of the event loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Connection } from "../../host/network/connection.ts";
import type { ByteBuffer } from "../../host/network/buffer.ts";
import { FilterStatus, type ReadFilter } from "../../host/network/filter.ts";
import { StatsStore } from "../../host/stats.ts";

/** Keeps every byte in the read buffer (StopIteration) and records each onData. */
class HoldingFilter implements ReadFilter {
  readonly calls: string[] = [];
  initializeReadFilterCallbacks(): void {}
  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }
  onData(data: ByteBuffer): FilterStatus {
    this.calls.push(data.copyOut(0, data.length).toString());
    return FilterStatus.StopIteration;
  }
}

async function connectionWith(filter: ReadFilter) {
  let conn!: Connection;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    conn = new Connection(socket, new StatsStore(), "listener.test");
    conn.start();
    conn.filterManager.addReadFilter(filter);
    conn.filterManager.initializeReadFilters();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  client.on("error", () => {});
  await new Promise((r) => client.once("connect", r));
  while (!conn) await new Promise((r) => setTimeout(r, 5));
  return {
    conn: () => conn,
    client,
    close: async () => {
      client.destroy();
      conn.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("re-enabling reads hands the bytes still in the read buffer to the chain again, once the count is back at zero", async () => {
  const filter = new HoldingFilter();
  const t = await connectionWith(filter);
  try {
    t.client.write("abc");
    await until(() => filter.calls.length === 1, "the first onData");
    const conn = t.conn();
    conn.readDisable(true);
    conn.readDisable(true);
    conn.readDisable(false);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(filter.calls, ["abc"], "still disabled once: nothing dispatched");
    assert.equal(conn.readEnabled(), false);
    conn.readDisable(false);
    assert.deepEqual(filter.calls, ["abc"], "the fake read event comes on a later turn, not inside readDisable");
    await until(() => filter.calls.length === 2, "the fake read event");
    assert.deepEqual(filter.calls, ["abc", "abc"], "the same bytes, from the first filter");
  } finally {
    await t.close();
  }
});

test("while reads are disabled, new client bytes wait: they reach the chain when reads come back on", async () => {
  const filter = new HoldingFilter();
  const t = await connectionWith(filter);
  try {
    const conn = t.conn();
    conn.readDisable(true);
    t.client.write("late");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(filter.calls, []);
    conn.readDisable(false);
    await until(() => filter.calls.length >= 1, "the bytes after re-enabling");
    assert.equal(filter.calls.at(-1), "late");
  } finally {
    await t.close();
  }
});
