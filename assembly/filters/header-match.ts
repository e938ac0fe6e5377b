// Envoy's HeaderMatcher (envoy.config.route.v3) applied to a message's metadata, as Aeraki's
// RouteMatch `metadata` uses it: {"name": "method", "exact_match": "sayHello"} and the other
// specifiers: prefix_match, suffix_match, contains_match, present_match, safe_regex_match,
// string_match {exact|prefix|suffix|contains|safe_regex, ignore_case}, with invert_match and
// treat_missing_header_as_empty. The semantics follow Envoy's HeaderUtility::matchHeaders: no
// specifier means "present"; an empty exact_match matches any value; a missing key matches only a
// `present_match: false` (or, inverted, `present_match: true`) unless it is treated as empty.
// range_match is refused (metadata values are strings; no integer ranges yet).
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields, snakeCase } from "../meta/config-fields";
import { JsonKind, JsonValue } from "../meta/json";
import { Metadata } from "../meta/metadata";
import { compileRegex, Regex } from "../regex/regex";

enum Kind {
  Exact = 0,
  Prefix = 1,
  Suffix = 2,
  Contains = 3,
  Regex = 4,
  Present = 5,
}

const HEADER_SPECIFIERS = ["exactMatch", "prefixMatch", "suffixMatch", "containsMatch", "safeRegexMatch", "presentMatch", "stringMatch", "rangeMatch"];
const STRING_SPECIFIERS = ["exact", "prefix", "suffix", "contains", "safeRegex"];

export class HeaderMatch {
  constructor(
    readonly name: string,
    private kind: Kind,
    private value: string,
    private regex: Regex | null,
    /** exact_match's rule: an empty expected value matches any value. */
    private emptyMatchesAny: bool,
    private ignoreCase: bool,
    /** For Kind.Present: true matches a present key, false an absent one. */
    private present: bool,
    private invert: bool,
    private missingAsEmpty: bool,
  ) {}

  matches(metadata: Metadata): bool {
    let actual = metadata.get(this.name);
    if (actual === null) {
      // Only a presence test can hold for a missing key: `present_match: false`, or true inverted.
      if (!this.missingAsEmpty) return this.kind == Kind.Present && this.present == this.invert;
      actual = "";
    }
    return this.hit(actual) != this.invert;
  }

  private hit(actual: string): bool {
    if (this.kind == Kind.Present) return this.present;
    if (this.kind == Kind.Regex) return this.regex!.matches(actual);
    if (this.emptyMatchesAny && this.value.length == 0) return true;
    const text = this.ignoreCase ? actual.toLowerCase() : actual;
    switch (this.kind) {
      case Kind.Exact: return text == this.value;
      case Kind.Prefix: return text.startsWith(this.value);
      case Kind.Suffix: return text.endsWith(this.value);
      default: return text.includes(this.value);
    }
  }

  /** Parses one HeaderMatcher found at `at`; null when it has errors (reported with their paths). */
  static parse(value: JsonValue, at: string, errors: ConfigErrors): HeaderMatch | null {
    const fields = new ConfigFields(value, at, errors, ["name", "invertMatch", "treatMissingHeaderAsEmpty"].concat(HEADER_SPECIFIERS));
    if (!fields.valid) return null;
    const before = errors.messages.length;
    const name = fields.string("name", true);
    if (name !== null && name.length == 0) errors.add(fields.path("name"), "must not be empty");
    const invert = optionalBool(fields, "invertMatch");
    const missingAsEmpty = optionalBool(fields, "treatMissingHeaderAsEmpty");
    const specifier = onlyOne(fields, HEADER_SPECIFIERS);
    if (errors.messages.length > before || name === null) return null;

    if (specifier == "" || specifier == "presentMatch") {
      let present = true;
      if (specifier != "") {
        const v = fields.field("presentMatch", JsonKind.Bool);
        if (v === null) return null;
        present = v.bool;
      }
      return new HeaderMatch(name, Kind.Present, "", null, false, false, present, invert, missingAsEmpty);
    }
    if (specifier == "rangeMatch") {
      errors.add(fields.path("rangeMatch"), "not supported: metadata values are matched as strings (use exact, prefix, suffix, contains or a regex)");
      return null;
    }
    if (specifier == "safeRegexMatch") {
      const regex = parseRegexMatcher(fields, "safeRegexMatch");
      return regex === null ? null : new HeaderMatch(name, Kind.Regex, "", regex, false, false, false, invert, missingAsEmpty);
    }
    if (specifier == "stringMatch") {
      const sm = fields.field("stringMatch", JsonKind.Object);
      if (sm === null) return null;
      return parseStringMatcher(name, sm, fields.path("stringMatch"), errors, invert, missingAsEmpty);
    }
    const text = fields.string(specifier);
    if (text === null) return null;
    const kind = specifier == "exactMatch" ? Kind.Exact : specifier == "prefixMatch" ? Kind.Prefix : specifier == "suffixMatch" ? Kind.Suffix : Kind.Contains;
    return new HeaderMatch(name, kind, text, null, kind == Kind.Exact, false, false, invert, missingAsEmpty);
  }

  /** Parses a list of HeaderMatchers (ANDed, as Aeraki's RouteMatch `metadata`); null on errors. */
  static parseList(value: JsonValue, at: string, errors: ConfigErrors): HeaderMatch[] | null {
    if (value.kind != JsonKind.Array) {
      errors.add(at, "must be a list of header matchers");
      return null;
    }
    const out: HeaderMatch[] = [];
    let valid = true;
    for (let i = 0; i < value.items.length; i++) {
      const one = HeaderMatch.parse(value.items[i], at + "[" + i.toString() + "]", errors);
      if (one === null) valid = false;
      else out.push(one);
    }
    return valid ? out : null;
  }

  /** Whether every matcher of a list holds (an empty list matches everything). */
  static all(list: HeaderMatch[], metadata: Metadata): bool {
    for (let i = 0; i < list.length; i++) {
      if (!list[i].matches(metadata)) return false;
    }
    return true;
  }
}

/** StringMatcher {exact|prefix|suffix|contains|safe_regex, ignore_case} (envoy.type.matcher.v3). */
function parseStringMatcher(name: string, value: JsonValue, at: string, errors: ConfigErrors, invert: bool, missingAsEmpty: bool): HeaderMatch | null {
  const fields = new ConfigFields(value, at, errors, ["ignoreCase"].concat(STRING_SPECIFIERS));
  if (!fields.valid) return null;
  const before = errors.messages.length;
  const ignoreCase = optionalBool(fields, "ignoreCase");
  const specifier = onlyOne(fields, STRING_SPECIFIERS);
  if (errors.messages.length > before) return null;
  if (specifier == "") {
    errors.add(at, "needs one of exact, prefix, suffix, contains, safe_regex");
    return null;
  }
  if (specifier == "safeRegex") {
    const regex = parseRegexMatcher(fields, "safeRegex");
    return regex === null ? null : new HeaderMatch(name, Kind.Regex, "", regex, false, false, false, invert, missingAsEmpty);
  }
  const text = fields.string(specifier);
  if (text === null) return null;
  const kind = specifier == "exact" ? Kind.Exact : specifier == "prefix" ? Kind.Prefix : specifier == "suffix" ? Kind.Suffix : Kind.Contains;
  return new HeaderMatch(name, kind, ignoreCase ? text.toLowerCase() : text, null, false, ignoreCase, false, invert, missingAsEmpty);
}

/** RegexMatcher {regex, google_re2 (accepted, ignored: its only setting is deprecated)}; whole-value match as RE2::FullMatch. */
function parseRegexMatcher(parent: ConfigFields, name: string): Regex | null {
  const value = parent.field(name, JsonKind.Object);
  if (value === null) return null;
  const at = parent.path(name);
  const fields = new ConfigFields(value, at, parent.errors, ["regex", "googleRe2"]);
  if (!fields.valid) return null;
  const pattern = fields.string("regex", true);
  if (pattern === null) return null;
  const compiled = compileRegex(pattern);
  if (compiled.regex === null) parent.errors.add(fields.path("regex"), compiled.error);
  return compiled.regex;
}

/** The one specifier present ("" if none); two or more is an error. */
function onlyOne(fields: ConfigFields, names: string[]): string {
  let found = "";
  for (let i = 0; i < names.length; i++) {
    if (!fields.has(names[i])) continue;
    if (found.length > 0) {
      fields.errors.add(fields.at, "has both " + snakeCase(found) + " and " + snakeCase(names[i]) + ": give one");
      return "";
    }
    found = names[i];
  }
  return found;
}

function optionalBool(fields: ConfigFields, name: string): bool {
  const v = fields.field(name, JsonKind.Bool);
  return v !== null && v.bool;
}
