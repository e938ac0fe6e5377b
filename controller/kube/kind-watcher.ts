// One kind's list-then-watch loop, the informer pattern of client-go reduced to what the controller
// needs: list to learn the current objects and a resourceVersion, watch from that version, resume
// a watch that ends from the last version seen, and list again when the API server answers
// 410 Gone (the version is older than its watch history: the events in between are lost).
import { KubernetesObjectApi, Watch, type KubeConfig } from "@kubernetes/client-node";
import { describeApiError } from "./api-error.ts";
import { apiVersionOf, clusterWidePath, type KindInfo, type KubeObject } from "./kinds.ts";

export interface KindWatcherOptions {
  kubeConfig: KubeConfig;
  info: KindInfo;
  /** The set of objects changed (after a list, or after a watch event). */
  onUpdate: () => void;
  /** A list or watch failed; the watcher retries by itself. */
  onError: (error: Error) => void;
  /** Wait before retrying a failed request, and the shortest life of a watch resumed at once. */
  retryDelayMs: number;
}

export class KindWatcher {
  /** The current objects, keyed "namespace/name". */
  objects = new Map<string, KubeObject>();
  /** True once the first list has arrived. */
  synced = false;
  private readonly api: KubernetesObjectApi;
  private readonly watch: Watch;
  private resourceVersion = "";
  // Every list or watch gets a new generation; a callback from an older one is ignored, so a late
  // "done" from a watch that was replaced can never start a second loop.
  private generation = 0;
  private abort: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: KindWatcherOptions) {
    this.api = KubernetesObjectApi.makeApiClient(options.kubeConfig);
    this.watch = new Watch(options.kubeConfig);
  }

  start(): void {
    void this.list();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private async list(): Promise<void> {
    const generation = ++this.generation;
    const { info } = this.options;
    try {
      const list = await this.api.list(apiVersionOf(info), info.kind);
      if (generation !== this.generation) return;
      const objects = new Map<string, KubeObject>();
      for (const item of list.items) {
        const object = plainObject(item, info);
        objects.set(keyOf(object), object);
      }
      this.objects = objects;
      this.resourceVersion = list.metadata?.resourceVersion ?? "";
      this.synced = true;
      this.options.onUpdate();
      void this.startWatch();
    } catch (error) {
      if (generation !== this.generation) return;
      this.options.onError(describeApiError(error, `list ${info.kind}`));
      this.retryLater(() => this.list(), this.options.retryDelayMs);
    }
  }

  private async startWatch(): Promise<void> {
    const generation = ++this.generation;
    const { info } = this.options;
    const startedAt = Date.now();
    let gone = false;
    const controller = await this.watch.watch(
      clusterWidePath(info),
      { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (type: string, object: any) => {
        if (generation !== this.generation) return;
        if (type === "ERROR") {
          // A Status object; 410 is "too old resource version". Any error event ends this watch,
          // and a fresh list is the one safe way to continue after it.
          gone = true;
          if (object?.code !== 410) this.options.onError(new Error(`watch ${info.kind}: ${object?.message ?? "error event"}`));
          this.abort?.abort();
          return;
        }
        const resourceVersion = object?.metadata?.resourceVersion;
        if (typeof resourceVersion === "string") this.resourceVersion = resourceVersion;
        if (type === "BOOKMARK") return;
        const plain = plainObject(object, info);
        if (type === "DELETED") this.objects.delete(keyOf(plain));
        else this.objects.set(keyOf(plain), plain);
        this.options.onUpdate();
      },
      (error: any) => {
        if (generation !== this.generation) return;
        this.abort = undefined;
        if (gone || error?.statusCode === 410) return void this.list();
        if (error) {
          this.options.onError(describeApiError(error, `watch ${info.kind}`));
          return this.retryLater(() => this.startWatch(), this.options.retryDelayMs);
        }
        // The server ended the stream (its timeout, a restart): resume from the last version,
        // at once unless streams keep ending immediately.
        const lived = Date.now() - startedAt;
        this.retryLater(() => this.startWatch(), lived >= this.options.retryDelayMs ? 0 : this.options.retryDelayMs);
      },
    );
    if (generation === this.generation) {
      this.abort = controller;
      if (gone) controller.abort(); // the error event came before watch() returned
    } else if (this.stopped) controller.abort();
  }

  private retryLater(action: () => Promise<void>, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void action(), delayMs);
  }
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

// The client deserialises lists of built-in kinds into model classes (with Date fields) and the API
// server leaves kind and apiVersion out of list items: turn both back into the JSON form.
function plainObject(item: unknown, info: KindInfo): KubeObject {
  const object = JSON.parse(JSON.stringify(item)) as KubeObject;
  object.apiVersion ??= apiVersionOf(info);
  object.kind ??= info.kind;
  return object;
}
