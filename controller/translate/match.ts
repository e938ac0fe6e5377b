// A MetaRouter match (`attributes: {key: {exact|prefix|regex}}`) as Envoy HeaderMatchers over the
// request metadata. An attribute with no value checks presence (as Aeraki documents).
import { problemAt, type Resource } from "../resources/read.ts";
import type { FieldPath, Problem } from "../resources/problem.ts";
import type { HeaderMatcher, RouteMatch } from "./route-types.ts";
import { checkRe2Regex } from "./regex-check.ts";

export function translateMatch(match: any, router: Resource, path: FieldPath, problems: Problem[]): RouteMatch | undefined {
  const attributes: Record<string, any> = match?.attributes ?? {};
  const metadata: HeaderMatcher[] = [];
  for (const [name, m] of Object.entries(attributes)) {
    if (m?.exact !== undefined) metadata.push({ name, string_match: { exact: m.exact } });
    else if (m?.prefix !== undefined) metadata.push({ name, string_match: { prefix: m.prefix } });
    else if (m?.regex !== undefined) {
      const error = checkRe2Regex(m.regex);
      if (error) problems.push(problemAt(router, [...path, "attributes", name, "regex"], error));
      metadata.push({ name, string_match: { safe_regex: { regex: m.regex } } });
    } else metadata.push({ name, present_match: true });
  }
  return metadata.length === 0 ? undefined : { metadata };
}
