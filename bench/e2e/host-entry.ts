// The local host as the benchmark runs it: host/main.ts's startEnvoy on a bootstrap file, in its
// own process, which also answers the one question the admin endpoints cannot: how large each
// plugin VM's Wasm linear memory is. Prints {"port": N} (the listener) once listening; then each
// line `memory` on stdin is answered by {"pages": [...]} (one entry per VM, 64 KiB pages).
// Exits when its stdin closes or on SIGTERM.
//   node --import tsx bench/e2e/host-entry.ts <bootstrap.json> [concurrency]
import readline from "node:readline";
import { startEnvoy } from "../../host/main.ts";
import { WasmPlugin } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";

// Every plugin the host loads, seen by wrapping the static loader (the host keeps them private).
const plugins: WasmPlugin[] = [];
const load = WasmPlugin.load;
WasmPlugin.load = (spec, services) => {
  const plugin = load.call(WasmPlugin, spec, services);
  plugins.push(plugin);
  return plugin;
};

const [bootstrap, concurrency = "1"] = process.argv.slice(2);
const server = await startEnvoy(bootstrap, { concurrency: Number(concurrency), logLevel: LogLevel.Warn });
process.stdout.write(JSON.stringify({ port: server.listenerPort("bench") }) + "\n");

const stop = () => void server.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "memory") return;
  const pages = plugins.map((p) => p.vm.memory.buffer.byteLength / 65536);
  process.stdout.write(JSON.stringify({ pages }) + "\n");
});
lines.on("close", stop);
