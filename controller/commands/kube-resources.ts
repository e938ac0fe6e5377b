// Kubernetes objects through the same reader as files: each object is read as a YAML document named
// after it ("MetaRouter meta-dubbo/demo-route"), so a problem names the object and the field, and the
// translation is the same whichever the source. Also: the MetaRouter a problem belongs to, for its Event.
import yaml from "js-yaml";
import type { KubeObject, SourcedObject } from "../kube/kinds.ts";
import type { Problem } from "../resources/problem.ts";
import { readYamlText, type ReadResult } from "../resources/read.ts";

/** Server-filled metadata that the strict reader does not know and the translation does not need. */
function clean(object: KubeObject): object {
  const { name, namespace, labels, annotations } = object.metadata as Record<string, unknown>;
  const { status: _status, ...rest } = object as Record<string, unknown>;
  return { ...rest, metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
}

export function kubeObjectsAsResources(objects: SourcedObject[]): { read: ReadResult; objectOf(problem: Problem): KubeObject | undefined } {
  const read: ReadResult = { resources: [], problems: [] };
  const byName = new Map<string, KubeObject>();
  for (const { origin, object } of objects) {
    const name = `${origin.kind} ${origin.namespace}/${origin.name}`;
    byName.set(name, object);
    const one = readYamlText(name, yaml.dump(clean(object), { noRefs: true }));
    read.resources.push(...one.resources);
    read.problems.push(...one.problems);
  }
  return { read, objectOf: (problem) => byName.get(problem.file) };
}
