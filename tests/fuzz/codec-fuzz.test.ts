// Property tests of every codec through the host's real ABI, without sockets (the host's
// FilterManager over an in-memory connection, sim-connection.ts): random bytes, truncated frames, oversized length claims, golden frames
// with flipped bytes, valid pipelined frames split anywhere, valid frames followed by garbage,
// and garbage from the server. Each codec runs in a worker watched for hangs, from a fixed seed
// (FUZZ_SEED overrides it, FUZZ_CASES the count); a failure prints the seed, fast-check's path
// and the shrunk case. `npm run fuzz` runs the same properties for long campaigns.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCampaign } from "./campaign.ts";
import { CODECS, FLAVORS } from "./corpus.ts";
import type { FuzzCase } from "./cases.ts";
import { CaseFailure, CodecRig } from "./run-case.ts";
import { FuzzVm } from "./fuzz-vm.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_612);
/** About 3 to 6 seconds per codec on a 2-core machine. */
const CASES = Number(process.env.FUZZ_CASES ?? 4000);

describe("every codec under fuzzing: no trap, no hang, refusals closed and counted, valid bytes pass exact", () => {
  for (const codec of CODECS) {
    test(codec, async () => {
      const r = await runCampaign({ codec, cases: CASES, seed: SEED, hangMs: 20_000 });
      const replay = `npm run fuzz -- --codec ${codec} --seed ${r.seed}${r.path ? ` --path ${r.path}` : ""}`;
      assert.equal(r.failed, false, `${codec}: ${r.error}\n${r.counterexample ?? r.hang ?? ""}\nreplay: ${replay}`);
      assert.equal(r.runs, CASES);
      assert.equal(r.vmReloads, 0, "no VM had to be reloaded (none trapped)");
      // Every kind of case ran (nine per flavor with a length field, seven without).
      const kinds = Object.keys(r.byKind);
      assert.ok(kinds.includes("split") && kinds.includes("garbage-after") && kinds.includes("server-garbage"), kinds.join());
    });
  }
});

describe("the checks can fail", () => {
  const flavor = FLAVORS.find((f) => f.name === "brpc")!;
  const unit = { ...flavor.generate(Buffer.from("payload"), 7), frames: 1 };
  const base: FuzzCase = {
    kind: "split", flavor: flavor.name, routed: false, valid: [unit], rest: Buffer.alloc(0), cuts: [5], end: false, expect: "pass", server: null,
  };
  const rig = new CodecRig("brpc");

  test("a valid case passes", () => {
    rig.run(base);
  });

  test("garbage expected to pass is caught as refused", () => {
    assert.throws(() => rig.run({ ...base, rest: flavor.invalidHead }), CaseFailure);
  });

  test("valid bytes expected to be refused are caught as passed", () => {
    assert.throws(() => rig.run({ ...base, expect: "refuse" }), /not refused/);
  });

  test("a wrong count of answers is caught", () => {
    const twice = { ...unit, frames: 2 };
    assert.throws(() => rig.run({ ...base, valid: [twice], server: { rest: Buffer.alloc(0), cuts: [], expect: "pass" } }), /requests counted/);
    rig.close();
  });
});

// Found by this fuzzer (assembly/meta/in-flight.ts kept one request per id): two requests in flight
// with one request id (Thrift clients that always send seqid 0 pipeline exactly this) are answered
// first in, first out, and the gauge comes back to zero.
describe("faults found by fuzzing", () => {
  for (const name of ["dubbo", "thrift-binary-framed", "brpc"]) {
    test(`${name}: two requests with one id in flight leave request_active as it was`, () => {
      const flavor = FLAVORS.find((f) => f.name === name)!;
      const vm = new FuzzVm({ codec: flavor.codec, routed: false });
      const a = flavor.generate(Buffer.from("a"), 9);
      const b = flavor.generate(Buffer.from("b"), 9);
      const conn = vm.connect();
      conn.send(Buffer.concat([a.request, b.request]));
      conn.receive(Buffer.concat([a.response, b.response]));
      conn.closeByClient();
      try {
        assert.equal(vm.counter("response_unpaired"), 0);
        assert.equal(vm.gauge("request_active"), 0);
      } finally {
        vm.close();
      }
    });
  }
});
