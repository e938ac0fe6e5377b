// KubeSource: the controller's view of the cluster. It lists and watches every input kind across
// all namespaces and hands the whole current set to onChange, debounced so a burst of events
// (a `kubectl apply -f` of many files, a relist) becomes one recomputation.
import type { KubeConfig } from "@kubernetes/client-node";
import { KindWatcher } from "./kind-watcher.ts";
import { WATCHED_KINDS, originOf, type KindInfo, type SourcedObject } from "./kinds.ts";

export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  /** Every object of every watched kind, each with its origin. Called once all kinds are listed. */
  onChange: (objects: SourcedObject[]) => void;
  /** A list or watch failed (the source retries by itself): for the log. */
  onError?: (error: Error) => void;
  debounceMs?: number;
  retryDelayMs?: number;
  kinds?: readonly KindInfo[];
}

export class KubeSource {
  private readonly watchers: KindWatcher[];
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: KubeSourceOptions) {
    this.debounceMs = options.debounceMs ?? 100;
    this.watchers = (options.kinds ?? WATCHED_KINDS).map(
      (info) =>
        new KindWatcher({
          kubeConfig: options.kubeConfig,
          info,
          onUpdate: () => this.changed(),
          onError: options.onError ?? (() => {}),
          retryDelayMs: options.retryDelayMs ?? 1000,
        }),
    );
  }

  start(): void {
    for (const watcher of this.watchers) watcher.start();
  }

  /** Ends every watch, pending retry and pending onChange. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.stop();
  }

  /** True once every kind has been listed at least once. */
  get synced(): boolean {
    return this.watchers.every((watcher) => watcher.synced);
  }

  objects(): SourcedObject[] {
    return this.watchers.flatMap((watcher) => [...watcher.objects.values()].map((object) => ({ origin: originOf(object), object })));
  }

  // Coalesce: the first change of a burst arms the timer, later ones ride along. Nothing is
  // reported before every kind is listed, so the translator never sees, say, MetaRouters without
  // the Services they name.
  private changed(): void {
    if (this.stopped || this.timer !== undefined || !this.synced) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.options.onChange(this.objects());
    }, this.debounceMs);
  }
}
