// Loads a module to drive through the host's real ABI without sockets (../bench-connection.ts) and
// reads its memory from the host: linear memory pages, and the AssemblyScript heap's bytes in use
// (heap-walk.ts) once a collection has run.
import { StatsStore } from "../../host/stats.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";
import { WasmPlugin } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { findTlsfRoot, walkHeap, type HeapUse } from "./heap-walk.ts";

export const PAGE = 65536;

/** A loaded module and where its heap starts. */
export interface Subject {
  plugin: WasmPlugin;
  heapRoot: number | null;
}

export function load(code: Buffer, configuration: string): Subject {
  const plugin = WasmPlugin.load(
    {
      name: "memory", rootId: "memory", vmId: "memory", code, failOpen: false,
      vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration),
    },
    {
      stats: new StatsStore(), log: (level, message) => level >= LogLevel.Warn && console.error(message),
      sharedData: new SharedData(), cluster: () => undefined,
    },
  );
  return { plugin, heapRoot: findTlsfRoot(plugin.vm.memory) };
}

export function pages(subject: Subject): number {
  return subject.plugin.vm.memory.buffer.byteLength / PAGE;
}

/**
 * The heap after a collection. The module collects after every max(64, open connections)th
 * callback (assembly/abi/gc.ts), so rounds of that many empty callbacks (a queue nobody
 * registered) are sent until the bytes in use stop falling: what is left is live, give or take
 * the little garbage of the last few empty callbacks.
 */
export function settledHeap(subject: Subject, openConnections = 0): HeapUse | null {
  if (subject.heapRoot === null) return null;
  const vm = subject.plugin.vm;
  const perRound = Math.max(64, openConnections);
  let last: HeapUse | null = null;
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < perRound; i++) vm.call("proxy_on_queue_ready", vm.rootContextId, 0);
    const now = walkHeap(vm.memory, subject.heapRoot);
    if (now === null) return null;
    if (last !== null && now.usedBytes >= last.usedBytes) return now;
    last = now;
  }
  return last;
}
