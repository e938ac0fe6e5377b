// Envoy's GrpcService (proto3 JSON) as filters configure the services they call (rate limit,
// access log, tracing): only `envoy_grpc` can work from a Wasm module, which calls through Envoy's
// cluster manager. The result is the serialized GrpcService that proxy_grpc_call and
// proxy_grpc_stream take as their upstream.
import { ProtobufWriter } from "../codecs/protobuf";
import { ConfigFields } from "./config-fields";
import { JsonKind } from "./json";

/**
 * `grpc` is the GrpcService object, read with the fields its caller knows (at least envoyGrpc and
 * googleGrpc). Null with the problem reported under its path.
 */
export function envoyGrpcService(grpc: ConfigFields): Uint8Array | null {
  if (grpc.has("googleGrpc")) {
    grpc.errors.add(grpc.path("googleGrpc"), "not supported: a Wasm module calls through Envoy's cluster manager; use envoy_grpc");
    return null;
  }
  const envoyGrpc = grpc.field("envoyGrpc", JsonKind.Object, true);
  if (envoyGrpc === null) return null;
  const e = new ConfigFields(envoyGrpc, grpc.path("envoyGrpc"), grpc.errors, ["clusterName"]);
  if (!e.valid) return null;
  const cluster = e.string("clusterName", true);
  if (cluster === null) return null;
  if (cluster.length == 0) {
    grpc.errors.add(e.path("clusterName"), "must not be empty");
    return null;
  }
  // GrpcService { envoy_grpc = 1 { cluster_name = 1 } }: a bare name could happen to parse as a proto.
  const inner = new ProtobufWriter();
  inner.stringField(1, cluster);
  const outer = new ProtobufWriter();
  outer.bytesField(1, inner.toBytes());
  return outer.toBytes();
}
