// Reports a problem in a user's object as a Kubernetes Event (core/v1, type Warning, reason
// InvalidConfig) on that object, where `kubectl describe metarouter NAME` shows it. The same
// problem on the same version of an object is reported once, however often it is recomputed.
import { CoreV1Api, type CoreV1Event, type KubeConfig } from "@kubernetes/client-node";
import { describeApiError } from "./api-error.ts";
import type { KubeObject } from "./kinds.ts";

export const EVENT_REASON = "InvalidConfig";
export const COMPONENT = "meta-protocol-controller";
const MAX_MESSAGE = 1024; // the API server refuses longer event messages

export interface Problem {
  /** The path of the offending field, e.g. spec.routes[0].match.attributes.method.regex. */
  field: string;
  message: string;
}

export class ProblemReporter {
  private readonly api: CoreV1Api;
  // uid -> the version last reported on, and the problems already reported for it.
  private readonly reported = new Map<string, { resourceVersion: string; problems: Set<string> }>();

  constructor(kubeConfig: KubeConfig, private readonly instance = process.env.POD_NAME ?? COMPONENT) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Creates the Event; undefined when it was created (or already had been), the error otherwise. */
  async reportProblem(object: KubeObject, problem: Problem): Promise<Error | undefined> {
    const text = `${problem.field}: ${problem.message}`.slice(0, MAX_MESSAGE);
    const { name, uid = "", resourceVersion = "" } = object.metadata;
    const namespace = object.metadata.namespace || "default";
    let seen = this.reported.get(uid);
    if (seen?.resourceVersion !== resourceVersion) this.reported.set(uid, (seen = { resourceVersion, problems: new Set() }));
    if (seen.problems.has(text)) return undefined;
    const now = new Date();
    const event: CoreV1Event = {
      metadata: { generateName: `${name}.`, namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name, namespace, uid, resourceVersion },
      type: "Warning",
      reason: EVENT_REASON,
      message: text,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.api.createNamespacedEvent({ namespace, body: event });
      seen.problems.add(text);
      return undefined;
    } catch (error) {
      return describeApiError(error, `create Event for ${object.kind} ${namespace}/${name}`);
    }
  }
}
