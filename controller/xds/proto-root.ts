// The protobuf definitions the xDS server speaks: Envoy's discovery service (from the .proto files
// shipped in @grpc/grpc-js-xds, never copied) and Aeraki's RouteConfiguration (controller/proto/).
// Loaded once, with proto field names (keepCase), the form route configurations are written in.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const envoyDeps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
// protobufjs ships google/protobuf/descriptor.proto (for the options Envoy's files declare).
const protobufjsDir = dirname(require.resolve("protobufjs/package.json"));

/** Where imports are looked up, in order: ours first, then Envoy's and its dependencies. */
export const protoIncludeDirs: string[] = [
  fileURLToPath(new URL("../proto", import.meta.url)),
  ...["envoy-api", "xds", "googleapis", "protoc-gen-validate", "cncf-xds"].map((d) => join(envoyDeps, d)),
  protobufjsDir,
].filter(existsSync);

export const ROUTE_CONFIGURATION_TYPE_URL =
  "type.googleapis.com/aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration";

export const ADS_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService";

function loadRoot(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of protoIncludeDirs) {
      const p = join(dir, target);
      if (existsSync(p)) return p;
    }
    // The other google/protobuf/*.proto: protobufjs knows the well-known types itself.
    return target;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

export const xdsRoot = loadRoot([
  "envoy/service/discovery/v3/ads.proto",
  "aeraki/meta_protocol_proxy/config/route/v1alpha/route.proto",
]);

export const RouteConfiguration = xdsRoot.lookupType("aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration");
export const DiscoveryRequest = xdsRoot.lookupType("envoy.service.discovery.v3.DiscoveryRequest");
export const DiscoveryResponse = xdsRoot.lookupType("envoy.service.discovery.v3.DiscoveryResponse");
