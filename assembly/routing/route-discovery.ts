// Route discovery from inside the module, as Aeraki's MetaProtocol Proxy does it over xDS: the root
// context opens a gRPC stream (proxy_grpc_stream) to the configured cluster on
// envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources, asks for its
// route table by name (type aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration),
// and for each response swaps the table whole and ACKs, or NACKs with the reason and keeps the
// last good table. When the stream ends it reconnects with backoff, from the root's tick.
import { Context } from "../abi/context";
import { defineMetric, getPropertyString, grpcCancel, grpcSend, incrementMetric, recordMetric } from "../abi/host";
import { logInfo, logWarn } from "../abi/log";
import { GrpcStatus, MetricType } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { decodeDiscoveryResponse, encodeDiscoveryRequest, ROUTE_CONFIGURATION_TYPE_URL } from "../xds/discovery";
import { decodeRouteConfiguration } from "../xds/route-decoder";
import { RouteDiscoveryConfig } from "./route-discovery-config";
import { RouteSource, RouteTable } from "./route-table";

const SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService";
const METHOD = "StreamAggregatedResources";
const MIN_BACKOFF_MS: u64 = 250;
const MAX_BACKOFF_MS: u64 = 30_000;
/** google.rpc.Code INVALID_ARGUMENT, as Envoy NACKs a configuration it cannot use. */
const INVALID_ARGUMENT: i32 = 3;

/** A version string as a gauge value: its number when it is one, else a 32-bit FNV-1a hash (Envoy hashes it too). */
function versionGauge(version: string): u64 {
  let n: u64 = 0;
  let digits = version.length > 0 && version.length < 19;
  for (let i = 0; digits && i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c < 0x30 || c > 0x39) digits = false;
    else n = n * 10 + <u64>(c - 0x30);
  }
  if (digits) return n;
  let h: u32 = 2166136261;
  for (let i = 0; i < version.length; i++) h = (h ^ <u32>version.charCodeAt(i)) * 16777619;
  return h;
}

export class RouteDiscovery {
  private token: u32 = 0;
  private acceptedVersion: string = "";
  private nonce: string = "";
  private sentNode: bool = false;
  private backoffMs: u64 = MIN_BACKOFF_MS;
  /** When to reconnect (host clock, ns); 0 while connected or not started. */
  retryAtNanos: u64 = 0;
  private accepted: u32;
  private rejected: u32;
  private version: u32;

  constructor(private owner: Context, private config: RouteDiscoveryConfig, private routes: RouteSource, statPrefix: string) {
    const p = "meta_protocol." + statPrefix + ".rds.";
    this.accepted = defineMetric(MetricType.Counter, p + "update_success");
    this.rejected = defineMetric(MetricType.Counter, p + "update_rejected");
    this.version = defineMetric(MetricType.Gauge, p + "version");
  }

  owns(token: u32): bool {
    return token != 0 && token == this.token;
  }

  /** Opens the stream and asks for the table; on refusal, tries again later. */
  connect(nowNanos: u64): void {
    this.retryAtNanos = 0;
    this.sentNode = false;
    this.nonce = "";
    const cluster = Uint8Array.wrap(String.UTF8.encode(this.config.cluster));
    const stream = this.owner.grpcStream(cluster, SERVICE, METHOD, null);
    this.token = stream.token;
    if (!stream.started) {
      this.streamEnded(nowNanos, "the host refused the stream to cluster " + this.config.cluster + " (status " + (<i32>stream.refusal).toString() + ")");
    } else if (!this.send(null)) {
      this.streamEnded(nowNanos, "the host refused the first request on the stream to cluster " + this.config.cluster);
    }
  }

  /** Ends the stream for good (a new configuration replaces this one). */
  stop(): void {
    if (this.token != 0) grpcCancel(this.token);
    this.token = 0;
    this.retryAtNanos = 0;
  }

  private send(error: string | null): bool {
    let nodeId = "";
    let nodeCluster = "";
    if (!this.sentNode || !this.config.nodeOnFirstMessageOnly) {
      const id = getPropertyString(["node", "id"]);
      const cluster = getPropertyString(["node", "cluster"]);
      if (id !== null) nodeId = id;
      if (cluster !== null) nodeCluster = cluster;
    }
    const request = encodeDiscoveryRequest(
      this.acceptedVersion, nodeId, nodeCluster, [this.config.routeConfigName], ROUTE_CONFIGURATION_TYPE_URL, this.nonce, error, INVALID_ARGUMENT,
    );
    this.sentNode = true;
    return grpcSend(this.token, request, false);
  }

  /** One DiscoveryResponse: use the table and ACK, or NACK and keep the last good one. */
  onMessage(bytes: Uint8Array): void {
    // The stream works: the next outage starts again from the shortest wait.
    this.backoffMs = MIN_BACKOFF_MS;
    const decoded = decodeDiscoveryResponse(bytes);
    if (decoded.value === null) {
      this.reject("DiscoveryResponse: " + decoded.error!);
      return;
    }
    const response = decoded.value!;
    this.nonce = response.nonce;
    if (response.typeUrl != ROUTE_CONFIGURATION_TYPE_URL) {
      this.reject("unexpected type " + response.typeUrl);
      return;
    }
    for (let i = 0; i < response.resources.length; i++) {
      const resource = response.resources[i];
      const config = decodeRouteConfiguration(resource.value);
      if (config.value === null) {
        this.reject("RouteConfiguration: " + config.error!);
        return;
      }
      if (config.value!.name != this.config.routeConfigName) continue;
      const errors = new ConfigErrors();
      const table = RouteTable.compile(config.value!, response.versionInfo, config.value!.name, errors);
      if (table === null) {
        this.reject(errors.toString());
        return;
      }
      this.routes.current = table;
      this.acceptedVersion = response.versionInfo;
      incrementMetric(this.accepted, 1);
      recordMetric(this.version, versionGauge(response.versionInfo));
      logInfo("meta_protocol: route table " + table.name + " version " + response.versionInfo + " in use (" + table.routes.length.toString() + " routes)");
      this.send(null);
      return;
    }
    // State of the world without our table: nothing to change; ACK so the server knows we saw it.
    this.acceptedVersion = response.versionInfo;
    this.send(null);
  }

  private reject(reason: string): void {
    incrementMetric(this.rejected, 1);
    logWarn("meta_protocol: route update rejected, keeping version '" + this.acceptedVersion + "': " + reason);
    this.send(reason);
  }

  onClose(status: GrpcStatus, message: string, nowNanos: u64): void {
    this.streamEnded(nowNanos, "stream closed with status " + (<i32>status).toString() + " " + message);
  }

  private streamEnded(nowNanos: u64, why: string): void {
    this.token = 0;
    this.retryAtNanos = nowNanos + this.backoffMs * 1_000_000;
    logWarn("meta_protocol: route discovery: " + why + "; retrying in " + this.backoffMs.toString() + " ms");
    this.backoffMs = this.backoffMs * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : this.backoffMs * 2;
  }
}
