// Codecs and filters by name. Registration is explicit (assembly/codecs/index.ts, a user's module
// entry): importing a file has no hidden effect. Aeraki's names are accepted for both, so that an
// Aeraki configuration (`aeraki.meta_protocol.codec.dubbo`, `aeraki.meta_protocol.filters.router`)
// finds the same codec or filter as its short name.
import { CodecFactory } from "./codec";
import { FilterFactory } from "./filter";

export const AERAKI_CODEC_PREFIX = "aeraki.meta_protocol.codec.";
export const AERAKI_FILTER_PREFIX = "aeraki.meta_protocol.filters.";

const codecs = new Map<string, CodecFactory>();
const filters = new Map<string, FilterFactory>();

/** The short name: Aeraki's prefix removed, if present. */
function shortName(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.substr(prefix.length) : name;
}

/** Registers a codec under its factory's name (a later registration of the same name replaces it). */
export function registerCodec(factory: CodecFactory): void {
  codecs.set(shortName(factory.name, AERAKI_CODEC_PREFIX), factory);
}

export function registerFilter(factory: FilterFactory): void {
  filters.set(shortName(factory.name, AERAKI_FILTER_PREFIX), factory);
}

/** The codec registered as `name` or as Aeraki's `aeraki.meta_protocol.codec.<name>`; null if none. */
export function findCodec(name: string): CodecFactory | null {
  const key = shortName(name, AERAKI_CODEC_PREFIX);
  return codecs.has(key) ? codecs.get(key) : null;
}

export function findFilter(name: string): FilterFactory | null {
  const key = shortName(name, AERAKI_FILTER_PREFIX);
  return filters.has(key) ? filters.get(key) : null;
}

export function codecNames(): string[] {
  return codecs.keys();
}

export function filterNames(): string[] {
  return filters.keys();
}
