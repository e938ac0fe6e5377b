// A route's or a policy's match on a message's metadata, compiled once per configuration: every
// matcher must hold (AND); none matches every message. Read from JSON in both shapes Aeraki uses:
//   MetaRouter (our resources, the controller):  {"attributes": {"method": {"exact": "sayHello"}}}
//     with exact / prefix / suffix / contains / regex / present and `invert`;
//   the proxy's RouteMatch (route_config, rate limits): {"metadata": [HeaderMatcher...]}, Envoy's
//     HeaderMatcher: name with exact_match / prefix_match / suffix_match / contains_match /
//     safe_regex_match{regex} / present_match / string_match{exact, prefix, suffix, contains,
//     safe_regex{regex}, ignore_case}, invert_match, treat_missing_header_as_empty.
// Regular expressions are RE2, matched in linear time against the whole value (as Envoy's safe_regex).
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { JsonKind, JsonValue } from "../meta/json";
import { Metadata } from "../meta/metadata";
import { compileRegex, Regex } from "../regex/regex";
import { MatchKind, MetadataMatcher } from "./route-config";

class CompiledMatcher {
  constructor(readonly spec: MetadataMatcher, readonly regex: Regex | null) {}

  matches(metadata: Metadata): bool {
    const spec = this.spec;
    let actual = metadata.get(spec.name);
    if (actual === null && spec.treatMissingAsEmpty) actual = "";
    // Envoy's HeaderUtility::matchHeaders: a missing key matches only a presence test that wants
    // it absent (present_match false, or present_match true inverted); every value test fails.
    if (actual === null) return spec.kind == MatchKind.Present && spec.present == spec.invert;
    let hit = false;
    if (spec.kind == MatchKind.Present) {
      hit = spec.present;
    } else {
      let value = actual;
      let expected = spec.value;
      if (spec.ignoreCase) {
        value = value.toLowerCase();
        expected = expected.toLowerCase();
      }
      switch (spec.kind) {
        case MatchKind.Exact: hit = value == expected; break;
        case MatchKind.Prefix: hit = value.startsWith(expected); break;
        case MatchKind.Suffix: hit = value.endsWith(expected); break;
        case MatchKind.Contains: hit = value.includes(expected); break;
        case MatchKind.Regex: hit = this.regex!.matches(value); break;
      }
    }
    return hit != spec.invert;
  }
}

export class MetadataMatch {
  private matchers: CompiledMatcher[] = [];

  matches(metadata: Metadata): bool {
    for (let i = 0; i < this.matchers.length; i++) {
      if (!unchecked(this.matchers[i]).matches(metadata)) return false;
    }
    return true;
  }

  /** Compiles matchers (regexes included); null with the reason in `errors` under `at`. */
  static compile(specs: MetadataMatcher[], at: string, errors: ConfigErrors): MetadataMatch | null {
    const match = new MetadataMatch();
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      let regex: Regex | null = null;
      if (spec.kind == MatchKind.Regex) {
        const compiled = compileRegex(spec.value);
        if (compiled.regex === null) {
          errors.add(at + "[" + i.toString() + "]", "regex '" + spec.value + "': " + compiled.error);
          return null;
        }
        regex = compiled.regex;
      }
      match.matchers.push(new CompiledMatcher(spec, regex));
    }
    return match;
  }

  /** Parses a `match` in either shape (see above) and compiles it; null when it has errors (reported). */
  static parse(value: JsonValue, at: string, errors: ConfigErrors): MetadataMatch | null {
    const specs = parseMatchSpecs(value, at, errors);
    return specs === null ? null : MetadataMatch.compile(specs, at, errors);
  }
}

/** The matchers of a `match` object in either shape, as data. */
export function parseMatchSpecs(value: JsonValue, at: string, errors: ConfigErrors): MetadataMatcher[] | null {
  const fields = new ConfigFields(value, at, errors, ["attributes", "metadata"]);
  if (!fields.valid) return null;
  const specs: MetadataMatcher[] = [];
  const attributes = fields.field("attributes", JsonKind.Object);
  const metadata = fields.field("metadata", JsonKind.Array);
  if ((attributes === null && fields.has("attributes")) || (metadata === null && fields.has("metadata"))) return null;
  let valid = true;
  if (attributes !== null) {
    for (let i = 0; i < attributes.keys.length; i++) {
      const path = fields.path("attributes") + "." + attributes.keys[i];
      const spec = parseAttribute(attributes.keys[i], attributes.items[i], path, errors);
      if (spec === null || !regexCompiles(spec, path + ".regex", errors)) valid = false;
      else specs.push(spec);
    }
  }
  if (metadata !== null) {
    for (let i = 0; i < metadata.items.length; i++) {
      const path = fields.path("metadata") + "[" + i.toString() + "]";
      const spec = parseHeaderMatcher(metadata.items[i], path, errors);
      if (spec === null || !regexCompiles(spec, path + ".regex", errors)) valid = false;
      else specs.push(spec);
    }
  }
  return valid ? specs : null;
}

/** A regex is checked where it is written, so that the error names its field. */
function regexCompiles(spec: MetadataMatcher, at: string, errors: ConfigErrors): bool {
  if (spec.kind != MatchKind.Regex) return true;
  const compiled = compileRegex(spec.value);
  if (compiled.regex === null) errors.add(at, "'" + spec.value + "': " + compiled.error);
  return compiled.regex !== null;
}

const STRING_KINDS = ["exact", "prefix", "suffix", "contains", "regex"];
const STRING_KIND_VALUES = [MatchKind.Exact, MatchKind.Prefix, MatchKind.Suffix, MatchKind.Contains, MatchKind.Regex];

/** Aeraki's StringMatch `{exact|prefix|suffix|contains|regex|present: ..., invert}` for `key`. */
function parseAttribute(key: string, value: JsonValue, at: string, errors: ConfigErrors): MetadataMatcher | null {
  const fields = new ConfigFields(value, at, errors, ["exact", "prefix", "suffix", "contains", "regex", "present", "invert"]);
  if (!fields.valid) return null;
  const spec = new MetadataMatcher();
  spec.name = key;
  let found = 0;
  for (let k = 0; k < STRING_KINDS.length; k++) {
    if (!fields.has(STRING_KINDS[k])) continue;
    const text = fields.string(STRING_KINDS[k]);
    if (text === null) return null;
    spec.kind = STRING_KIND_VALUES[k];
    spec.value = text;
    found++;
  }
  if (fields.has("present")) {
    const present = fields.field("present", JsonKind.Bool);
    if (present === null) return null;
    spec.kind = MatchKind.Present;
    spec.present = present.bool;
    found++;
  }
  if (found != 1) {
    errors.add(at, found == 0 ? "needs one of exact, prefix, suffix, contains, regex, present" : "give only one of exact, prefix, suffix, contains, regex, present");
    return null;
  }
  if (fields.has("invert")) {
    const invert = fields.field("invert", JsonKind.Bool);
    if (invert === null) return null;
    spec.invert = invert.bool;
  }
  return spec;
}

const HEADER_KINDS = ["exactMatch", "prefixMatch", "suffixMatch", "containsMatch"];

/** Envoy's HeaderMatcher (proto3 JSON), as Aeraki's RouteMatch.metadata carries it. */
function parseHeaderMatcher(value: JsonValue, at: string, errors: ConfigErrors): MetadataMatcher | null {
  const fields = new ConfigFields(value, at, errors, [
    "name", "exactMatch", "prefixMatch", "suffixMatch", "containsMatch", "safeRegexMatch", "presentMatch", "stringMatch",
    "invertMatch", "treatMissingHeaderAsEmpty", "rangeMatch",
  ]);
  if (!fields.valid) return null;
  if (fields.has("rangeMatch")) {
    errors.add(fields.path("rangeMatch"), "not supported: metadata values are strings");
    return null;
  }
  const spec = new MetadataMatcher();
  const name = fields.string("name", true);
  if (name === null) return null;
  spec.name = name;
  let found = 0;
  for (let k = 0; k < HEADER_KINDS.length; k++) {
    if (!fields.has(HEADER_KINDS[k])) continue;
    const text = fields.string(HEADER_KINDS[k]);
    if (text === null) return null;
    spec.kind = STRING_KIND_VALUES[k];
    spec.value = text;
    found++;
  }
  if (fields.has("safeRegexMatch")) {
    const regex = fields.field("safeRegexMatch", JsonKind.Object);
    if (regex === null || !parseRegexMatcher(regex, fields.path("safeRegexMatch"), errors, spec)) return null;
    found++;
  }
  if (fields.has("presentMatch")) {
    const present = fields.field("presentMatch", JsonKind.Bool);
    if (present === null) return null;
    spec.kind = MatchKind.Present;
    spec.present = present.bool;
    found++;
  }
  if (fields.has("stringMatch")) {
    const s = fields.field("stringMatch", JsonKind.Object);
    if (s === null || !parseStringMatcher(s, fields.path("stringMatch"), errors, spec)) return null;
    found++;
  }
  if (found > 1) {
    errors.add(at, "give only one match specifier");
    return null;
  }
  // Envoy (HeaderUtility::HeaderData): no specifier, or an empty deprecated exact_match, matches
  // when the key is present, whatever its value.
  if (found == 0 || (spec.kind == MatchKind.Exact && spec.value.length == 0 && !fields.has("stringMatch"))) {
    spec.kind = MatchKind.Present;
    spec.present = true;
  }
  if (fields.has("invertMatch")) {
    const invert = fields.field("invertMatch", JsonKind.Bool);
    if (invert === null) return null;
    spec.invert = invert.bool;
  }
  if (fields.has("treatMissingHeaderAsEmpty")) {
    const missing = fields.field("treatMissingHeaderAsEmpty", JsonKind.Bool);
    if (missing === null) return null;
    spec.treatMissingAsEmpty = missing.bool;
  }
  return spec;
}

/** envoy.type.matcher.v3.StringMatcher. */
function parseStringMatcher(value: JsonValue, at: string, errors: ConfigErrors, spec: MetadataMatcher): bool {
  const fields = new ConfigFields(value, at, errors, ["exact", "prefix", "suffix", "contains", "safeRegex", "ignoreCase"]);
  if (!fields.valid) return false;
  let found = 0;
  for (let k = 0; k < 4; k++) {
    if (!fields.has(STRING_KINDS[k])) continue;
    const text = fields.string(STRING_KINDS[k]);
    if (text === null) return false;
    spec.kind = STRING_KIND_VALUES[k];
    spec.value = text;
    found++;
  }
  if (fields.has("safeRegex")) {
    const regex = fields.field("safeRegex", JsonKind.Object);
    if (regex === null || !parseRegexMatcher(regex, fields.path("safeRegex"), errors, spec)) return false;
    found++;
  }
  if (found != 1) {
    errors.add(at, "needs exactly one of exact, prefix, suffix, contains, safe_regex");
    return false;
  }
  if (fields.has("ignoreCase")) {
    const ignore = fields.field("ignoreCase", JsonKind.Bool);
    if (ignore === null) return false;
    if (spec.kind == MatchKind.Regex && ignore.bool) {
      errors.add(fields.path("ignoreCase"), "not allowed with safe_regex (as in Envoy)");
      return false;
    }
    spec.ignoreCase = ignore.bool;
  }
  return true;
}

/** envoy.type.matcher.v3.RegexMatcher: `{regex}` (google_re2 is the only engine, as in Envoy today). */
function parseRegexMatcher(value: JsonValue, at: string, errors: ConfigErrors, spec: MetadataMatcher): bool {
  const fields = new ConfigFields(value, at, errors, ["regex", "googleRe2"]);
  if (!fields.valid) return false;
  const regex = fields.string("regex", true);
  if (regex === null) return false;
  spec.kind = MatchKind.Regex;
  spec.value = regex;
  return true;
}
