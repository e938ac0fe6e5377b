// `generate --dir DIR --out OUT [--xds-address HOST:PORT] [--xds-service NAME.NAMESPACE:PORT]
//  [--module-url URL] [--module-sha256 HEX] [--module-file PATH] [--listener-port-offset N] [--access-log]`:
// writes OUT/envoy.yaml (plain Envoy), OUT/wasmplugins.yaml (Istio: the WasmPlugins and the
// EnvoyFilters that let tcp_proxy take early data; needs --module-url) and
// OUT/routes/<host>_<port>.yaml (the route tables). Refuses to write when a resource has an error;
// "unsupported" problems are printed and the rest is generated.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import yaml from "js-yaml";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import { earlyDataFilters } from "../translate/early-data.ts";
import { formatProblem, sortProblems } from "../resources/problem.ts";
import { envoyBootstrap } from "../translate/bootstrap.ts";
import { istioXdsCluster, wasmPlugins } from "../translate/wasmplugin.ts";
import { readYamlDirectory } from "../resources/read.ts";
import { translate } from "../translate/translate.ts";
import type { Command } from "./io.ts";

const dump = (value: unknown) => yaml.dump(value, { noRefs: true, lineWidth: -1 });

function hostPort(text: string): { host: string; port: number } | null {
  const m = /^(.+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  return m && port > 0 && port < 65536 ? { host: m[1].replace(/^\[(.*)\]$/, "$1"), port } : null;
}

/** Says where the bootstrap comes from, so that nobody edits it by hand. */
function bootstrapHeader(dir: string, args: string[]): string {
  const options = args.filter((a, i) => a !== "--out" && args[i - 1] !== "--out").join(" ");
  return `# Generated from ${dir} by \`npm run controller -- generate ${options} --out DIR\`: do not edit.\n` +
    "# Run it from the repository root (the module's path is relative): `envoy -c envoy.yaml`.\n";
}

export const generateCommand: Command = {
  summary: "write the Envoy bootstrap, the Istio WasmPlugins and the route tables",
  usage: "generate --dir DIR --out OUT [--namespace NS] [--xds-address HOST:PORT] [--xds-service NAME.NAMESPACE:PORT] [--module-url URL] [--module-sha256 HEX] [--module-file PATH] [--listener-port-offset N] [--access-log]",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        dir: { type: "string" },
        namespace: { type: "string" },
        out: { type: "string" },
        "xds-address": { type: "string" },
        "xds-service": { type: "string" },
        "module-url": { type: "string" },
        "module-sha256": { type: "string" },
        "module-file": { type: "string", default: "build/meta_protocol.wasm" },
        "listener-port-offset": { type: "string" },
        "access-log": { type: "boolean" },
      },
    });
    const usage = (why: string) => (io.err(`${why}\nusage: ${generateCommand.usage}`), 2);
    if (!values.dir || !values.out) return usage("--dir and --out are required");
    const xdsAddress = values["xds-address"] === undefined ? undefined : hostPort(values["xds-address"]);
    if (xdsAddress === null) return usage("--xds-address must be HOST:PORT");
    const xdsService = values["xds-service"] === undefined ? undefined : /^([^.]+)\.([^.:]+):(\d+)$/.exec(values["xds-service"]);
    if (xdsService === null) return usage("--xds-service must be NAME.NAMESPACE:PORT (the controller's Kubernetes Service)");
    const url = values["module-url"];
    if (url !== undefined && !/^(oci|https?|file):\/\/./.test(url)) return usage("--module-url must start with oci://, http://, https:// or file://");
    const sha256 = values["module-sha256"];
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) return usage("--module-sha256 must be 64 lowercase hex digits");
    const offset = values["listener-port-offset"] === undefined ? undefined : Number(values["listener-port-offset"]);
    if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) return usage("--listener-port-offset must be a non-negative integer");

    const translation = translate(readYamlDirectory(values.dir, { defaultNamespace: values.namespace }));
    const istio = wasmPlugins(translation.plans, {
      url: url ?? "oci://unused",
      sha256,
      xdsCluster: xdsService ? istioXdsCluster(xdsService[1], xdsService[2], Number(xdsService[3])) : undefined,
    });
    const envoy = envoyBootstrap(translation.plans, translation.mesh, { moduleFile: values["module-file"]!, xdsAddress, listenerPortOffset: offset, accessLog: values["access-log"] });
    // The Istio side's problems only matter when its WasmPlugins are written.
    const problems = sortProblems([...translation.problems, ...envoy.problems, ...(url === undefined ? [] : istio.problems)]);
    for (const p of problems) io.err(formatProblem(p));
    if (problems.some((p) => p.severity === "error")) {
      io.err("nothing written: fix the errors above");
      return 1;
    }

    mkdirSync(join(values.out, "routes"), { recursive: true });
    writeFileSync(join(values.out, "envoy.yaml"), bootstrapHeader(values.dir, args) + dump(envoy.bootstrap));
    for (const plan of translation.plans) {
      for (const port of plan.ports) writeFileSync(join(values.out, "routes", `${port.routeConfig.name}.yaml`), dump(port.routeConfig));
    }
    if (url === undefined) {
      io.err("wasmplugins.yaml not written: give --module-url (where Istio fetches the module)");
    } else {
      for (const plugin of istio.plugins) new WasmPlugin(plugin as any).validate();
      const envoyFilters = earlyDataFilters(translation.plans);
      for (const filter of envoyFilters) new EnvoyFilter(filter as any).validate();
      writeFileSync(join(values.out, "wasmplugins.yaml"), [...istio.plugins, ...envoyFilters].map(dump).join("---\n"));
    }
    io.out(`wrote ${values.out}: envoy.yaml, ${url === undefined ? "" : `wasmplugins.yaml (${istio.plugins.length}), `}routes/ (${translation.plans.reduce((n, p) => n + p.ports.length, 0)})`);
    return 0;
  },
};
