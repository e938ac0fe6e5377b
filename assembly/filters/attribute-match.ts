// Aeraki's `match: {attributes: {<key>: <StringMatch>}}`: every key must match (AND); a
// StringMatch is one of exact, prefix, suffix, contains, present, with `invert` to negate.
// Regular expressions are refused with a clear error: AssemblyScript has no regex engine here.
import { ConfigFields } from "../meta/config-fields";
import { ConfigErrors } from "../meta/config-errors";
import { JsonKind, JsonValue } from "../meta/json";
import { Metadata } from "../meta/metadata";

enum MatchKind {
  Exact = 0,
  Prefix = 1,
  Suffix = 2,
  Contains = 3,
  Present = 4,
}

const KINDS = ["exact", "prefix", "suffix", "contains", "present"];

class AttributeMatch {
  constructor(public key: string, public kind: MatchKind, public value: string, public invert: bool) {}

  matches(metadata: Metadata): bool {
    const actual = metadata.get(this.key);
    let hit = false;
    if (actual !== null) {
      switch (this.kind) {
        case MatchKind.Exact: hit = actual == this.value; break;
        case MatchKind.Prefix: hit = actual.startsWith(this.value); break;
        case MatchKind.Suffix: hit = actual.endsWith(this.value); break;
        case MatchKind.Contains: hit = actual.includes(this.value); break;
        default: hit = true;
      }
    }
    return hit != this.invert;
  }
}

export class MetadataMatch {
  private attributes: AttributeMatch[] = [];

  /** An empty match (no `match`, or no attributes) matches every message. */
  matches(metadata: Metadata): bool {
    for (let i = 0; i < this.attributes.length; i++) {
      if (!this.attributes[i].matches(metadata)) return false;
    }
    return true;
  }

  /** Parses `{attributes: {...}}` found at `at`; null when it has errors (reported). */
  static parse(value: JsonValue, at: string, errors: ConfigErrors): MetadataMatch | null {
    const fields = new ConfigFields(value, at, errors, ["attributes"]);
    if (!fields.valid) return null;
    const match = new MetadataMatch();
    const attributes = fields.field("attributes", JsonKind.Object);
    if (attributes === null) return fields.has("attributes") ? null : match;
    let valid = true;
    for (let i = 0; i < attributes.keys.length; i++) {
      const key = attributes.keys[i];
      const one = parseStringMatch(key, attributes.items[i], fields.path("attributes") + "." + key, errors);
      if (one === null) valid = false;
      else match.attributes.push(one);
    }
    return valid ? match : null;
  }
}

function parseStringMatch(key: string, value: JsonValue, at: string, errors: ConfigErrors): AttributeMatch | null {
  const fields = new ConfigFields(value, at, errors, ["exact", "prefix", "suffix", "contains", "present", "regex", "invert"]);
  if (!fields.valid) return null;
  if (fields.has("regex")) {
    errors.add(fields.path("regex"), "not supported (no regular expression engine in the module): use exact, prefix, suffix or contains");
    return null;
  }
  let found = -1;
  for (let k = 0; k < KINDS.length; k++) {
    if (!fields.has(KINDS[k])) continue;
    if (found >= 0) {
      errors.add(at, "has both " + KINDS[found] + " and " + KINDS[k] + ": give one");
      return null;
    }
    found = k;
  }
  if (found < 0) {
    errors.add(at, "needs one of exact, prefix, suffix, contains, present");
    return null;
  }
  let text = "";
  if (found == MatchKind.Present) {
    if (fields.field("present", JsonKind.Bool) === null) return null;
  } else {
    const s = fields.string(KINDS[found]);
    if (s === null) return null;
    text = s;
  }
  let invert = false;
  if (fields.has("invert")) {
    const v = fields.field("invert", JsonKind.Bool);
    if (v === null) return null;
    invert = v.bool;
  }
  const presentValue = fields.field("present", JsonKind.Bool);
  // `present: false` means "absent": the same as present with invert.
  if (found == MatchKind.Present && presentValue !== null && !presentValue.bool) invert = !invert;
  return new AttributeMatch(key, <MatchKind>found, text, invert);
}
