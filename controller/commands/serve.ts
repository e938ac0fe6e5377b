// `serve --dir DIR | --kube [--xds-port N] [--http-port M] [--host H] [--wasm PATH]`: watches the
// resources (a folder of YAML files, or a Kubernetes cluster), serves their route tables over ADS
// (controller/xds) and the module over HTTP with its sha256, and the proxies' status at /status.
// A change that has an error is reported (file, line and field, or as a Kubernetes Event) and the
// last good configuration stays in force; the servers never stop for bad input.
import { watch, type FSWatcher } from "node:fs";
import { createServer, type Server } from "node:http";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeSource } from "../kube/source.ts";
import { ProblemReporter } from "../kube/events.ts";
import type { KubeObject, SourcedObject } from "../kube/kinds.ts";
import { GeneratedObjectApplier, METAROUTER_LABEL } from "../kube/generated-objects.ts";
import { istioXdsCluster, wasmPlugins } from "../translate/wasmplugin.ts";
import { moduleHandler, moduleSha256, MODULE_URL_PATH } from "../module/serve.ts";
import { formatProblem } from "../resources/problem.ts";
import { readYamlDirectory } from "../resources/read.ts";
import { translate, type Translation } from "../translate/translate.ts";
import { createSnapshot, startXdsServer, type XdsServer } from "../xds/index.ts";
import { earlyDataFilters } from "../translate/early-data.ts";
import { kubeObjectsAsResources } from "./kube-resources.ts";
import type { Command, CommandIO } from "./io.ts";

/** The route tables of a translation, as the xDS snapshot's resources. */
function routeConfigs(translation: Translation): object[] {
  return translation.plans.flatMap((plan) => plan.ports.map((port) => port.routeConfig));
}

export interface RunningController {
  xdsPort: number;
  httpPort: number;
  /** The version in force ("" before the first good configuration). */
  version(): string;
  close(): Promise<void>;
}

/** Holds the last good configuration and publishes each new good one as the next version. */
class Publisher {
  private count = 0;
  private last = "";
  version = "";

  constructor(private xds: XdsServer, private io: CommandIO) {}

  publish(translation: Translation, source: string): boolean {
    const errors = translation.problems.filter((p) => p.severity === "error");
    for (const p of translation.problems) this.io.err(formatProblem(p));
    if (errors.length > 0) {
      this.io.err(`${source}: ${errors.length} error(s): keeping version ${this.version || "(none)"}`);
      return false;
    }
    const configs = routeConfigs(translation);
    const content = JSON.stringify(configs);
    if (content === this.last) return true;
    const version = String(++this.count);
    this.xds.setSnapshot(createSnapshot(version, configs as never));
    this.last = content;
    this.version = version;
    this.io.out(`version ${version}: ${configs.length} route table(s) from ${source}`);
    return true;
  }
}

/**
 * Each MetaRouter owns the objects generated from it, its WasmPlugins and the EnvoyFilters that give
 * tcp_proxy early data (applied with server-side apply, stale ones deleted).
 */
async function applyPerMetaRouter(applier: GeneratedObjectApplier, objects: SourcedObject[], generated: KubeObject[], io: CommandIO): Promise<void> {
  for (const { object } of objects) {
    if (object.kind !== "MetaRouter") continue;
    const mine = generated.filter((g) => g.metadata.labels?.[METAROUTER_LABEL] === object.metadata.name && g.metadata.namespace === object.metadata.namespace);
    const result = await applier.apply(mine, object);
    for (const e of result.errors) io.err(`apply: ${e.message}`);
  }
}

function watchDirectory(dir: string, onChange: () => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  // Editors write a file in several steps: one recomputation per burst.
  return watch(dir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, 50);
  });
}

function statusServer(wasmPath: string, xds: XdsServer, version: () => string): Server {
  const module = moduleHandler(wasmPath);
  return createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/status") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version: version(), proxies: xds.status() }, null, 2));
    } else if (path === "/ready") {
      res.writeHead(version() ? 200 : 503, { "content-type": "text/plain" });
      res.end(version() ? "ready\n" : "no configuration yet\n");
    } else {
      module(req, res);
    }
  });
}

export interface ServeOptions {
  dir?: string;
  kube?: KubeConfig;
  xdsPort: number;
  httpPort: number;
  host: string;
  wasm: string;
  /** Where Istio fetches the module (default: this server's /meta_protocol.wasm). */
  moduleUrl?: string;
  /** The Istio cluster of this controller's xDS port, for the WasmPlugins' route discovery. */
  xdsCluster?: string;
}

export async function startController(options: ServeOptions, io: CommandIO): Promise<RunningController> {
  const xds = await startXdsServer({ port: options.xdsPort, host: options.host, log: (line) => io.err(line) });
  const publisher = new Publisher(xds, io);
  const http = statusServer(options.wasm, xds, () => publisher.version);
  await new Promise<void>((resolve, reject) => http.once("error", reject).listen(options.httpPort, options.host, resolve));
  const httpPort = (http.address() as { port: number }).port;
  let watcher: FSWatcher | undefined;
  let kube: KubeSource | undefined;
  if (options.dir !== undefined) {
    const dir = options.dir;
    const reload = () => publisher.publish(translate(readYamlDirectory(dir)), dir);
    reload();
    watcher = watchDirectory(dir, reload);
  } else if (options.kube !== undefined) {
    const config = options.kube;
    const applier = new GeneratedObjectApplier(config);
    const reporter = new ProblemReporter(config);
    const sha256 = await moduleSha256(options.wasm);
    kube = new KubeSource({
      kubeConfig: config,
      onError: (e) => io.err(`kubernetes: ${e.message}`),
      onChange: (objects) => {
        const { read, objectOf } = kubeObjectsAsResources(objects);
        const translation = translate(read);
        for (const p of translation.problems) {
          const object = objectOf(p);
          if (object) void reporter.reportProblem(object, { field: p.field, message: p.message }).then((e) => e && io.err(e.message));
        }
        if (!publisher.publish(translation, "kubernetes")) return;
        const { plugins } = wasmPlugins(translation.plans, { url: options.moduleUrl ?? `http://${options.host}:${httpPort}${MODULE_URL_PATH}`, sha256, xdsCluster: options.xdsCluster });
        void applyPerMetaRouter(applier, objects, [...plugins, ...earlyDataFilters(translation.plans)] as unknown as KubeObject[], io);
      },
    });
    kube.start();
  }
  io.out(`xds on ${options.host}:${xds.port}, http on ${options.host}:${httpPort}`);
  return {
    xdsPort: xds.port,
    httpPort,
    version: () => publisher.version,
    async close() {
      watcher?.close();
      kube?.stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await xds.close();
    },
  };
}

export const serveCommand: Command = {
  summary: "watch the resources; serve route discovery over gRPC, the module and /status over HTTP",
  usage: "serve (--dir DIR | --kube) [--xds-port N] [--http-port M] [--host H] [--wasm PATH] [--module-url URL] [--xds-service NAME.NAMESPACE:PORT]",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        dir: { type: "string" },
        kube: { type: "boolean" },
        "xds-port": { type: "string", default: "15010" },
        "http-port": { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        wasm: { type: "string", default: "build/meta_protocol.wasm" },
        "module-url": { type: "string" },
        "xds-service": { type: "string", default: "meta-protocol-controller.istio-system:15010" },
      },
    });
    if ((values.dir === undefined) === (values.kube !== true)) {
      io.err(`give exactly one of --dir and --kube\nusage: ${serveCommand.usage}`);
      return 2;
    }
    const service = /^([^.]+)\.([^.:]+):(\d+)$/.exec(values["xds-service"]!);
    if (service === null) {
      io.err(`--xds-service must be NAME.NAMESPACE:PORT (this controller's Kubernetes Service)\nusage: ${serveCommand.usage}`);
      return 2;
    }
    let kube: KubeConfig | undefined;
    if (values.kube) {
      kube = new KubeConfig();
      kube.loadFromDefault();
    }
    const controller = await startController(
      {
        dir: values.dir, kube, xdsPort: Number(values["xds-port"]), httpPort: Number(values["http-port"]), host: values.host!, wasm: values.wasm!,
        moduleUrl: values["module-url"], xdsCluster: istioXdsCluster(service[1], service[2], Number(service[3])),
      },
      io,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await controller.close();
    return 0;
  },
};
