// meta_protocol.filters.fault: injects delays and aborts into requests, per route-like match.
// Ours (neither Aeraki nor Envoy's generic proxy has one). Configuration, in proto3 JSON spellings
// (`fixed_delay` / `fixedDelay`, `error_kind` / `errorKind`):
//   {"faults": [{"match": {"attributes": {"method": {"exact": "sayHello"}}},
//                "delay": {"fixedDelay": "200ms", "percentage": 50},
//                "abort": {"errorKind": "Unspecified", "detail": "injected", "percentage": 10}}]}
// - `faults`: a non-empty list of rules; the first whose `match` holds applies (MetadataMatch: the
//   `attributes` or the `metadata` [HeaderMatcher] shape; no `match`: every request). A rule has a
//   `delay`, an `abort` or both.
// - `abort`: the request ends with the protocol's own error reply of `errorKind` (RouteNotFound,
//   ClusterNotFound, NoHealthyUpstream, BadResponse, OverLimit, Unspecified; default Unspecified)
//   and `detail` (default "fault filter abort"); the upstream never sees it.
// - `delay`: the request is held for `fixedDelay` (a duration, > 0), then goes on.
// - `percentage`: 0..100, fractions allowed (0.5); absent means 100.
// Faults are decided deterministically, not by chance: each rule keeps, per worker, an accumulator
// per fault that adds the percentage on each request it sees and fires when it reaches 100 (a
// Bresenham counter), so exactly N of every 100 consecutive requests get the fault (50%: every
// second one). The abort is decided first, over the rule's matching requests; the delay over the
// ones not aborted (an aborted request is not delayed).
// Counters: meta_protocol.fault.delays_injected, meta_protocol.fault.aborts_injected.
import { defineMetric, incrementMetric } from "../abi/host";
import { MetricType } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, HeldRequest, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { Metadata } from "../meta/metadata";
import { MetadataMatch } from "../routing/metadata-match";

const ERROR_KIND_NAMES = ["RouteNotFound", "ClusterNotFound", "NoHealthyUpstream", "BadResponse", "OverLimit", "Unspecified"];
const DEFAULT_DETAIL = "fault filter abort";
/** Percentages are kept in millionths of a percent, so that fractions add up exactly. */
const PERCENT_UNIT: i64 = 1_000_000;
const FULL: i64 = 100 * PERCENT_UNIT;

/** Fires on exactly `percentage` of the calls to fire(), evenly spread (error diffusion). */
export class PercentAccumulator {
  private filled: i64 = 0;
  private step: i64;

  constructor(percentage: f64) {
    this.step = <i64>Math.round(percentage * <f64>PERCENT_UNIT);
  }

  fire(): bool {
    this.filled += this.step;
    if (this.filled < FULL) return false;
    this.filled -= FULL;
    return true;
  }
}

export class FaultRule {
  constructor(
    readonly match: MetadataMatch,
    /** 0 when the rule has no delay. */
    readonly delayMs: u32,
    readonly delayDice: PercentAccumulator,
    readonly hasAbort: bool,
    readonly abortKind: ErrorKind,
    readonly abortDetail: string,
    readonly abortDice: PercentAccumulator,
  ) {}
}

export enum FaultAction {
  None = 0,
  Abort = 1,
  Delay = 2,
}

export class FaultDecision {
  constructor(readonly action: FaultAction, readonly rule: FaultRule | null) {}
}

const NO_FAULT = new FaultDecision(FaultAction.None, null);

/** Where the filter counts what it injected: Envoy's metrics in the module, memory in the specs. */
export abstract class FaultCounters {
  abstract delay(): void;
  abstract abort(): void;
}

/** Defined on first use (defining needs the host), then one host call per increment. */
class HostFaultCounters extends FaultCounters {
  private delays: u32 = 0;
  private aborts: u32 = 0;

  delay(): void {
    if (this.delays == 0) this.delays = defineMetric(MetricType.Counter, "meta_protocol.fault.delays_injected");
    incrementMetric(this.delays, 1);
  }

  abort(): void {
    if (this.aborts == 0) this.aborts = defineMetric(MetricType.Counter, "meta_protocol.fault.aborts_injected");
    incrementMetric(this.aborts, 1);
  }
}

export class FaultConfig extends FilterConfig {
  constructor(readonly rules: FaultRule[], readonly counters: FaultCounters) {
    super();
  }

  /** What happens to a request with this metadata (advances the first matching rule's accumulators). */
  decide(metadata: Metadata): FaultDecision {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (!rule.match.matches(metadata)) continue;
      if (rule.hasAbort && rule.abortDice.fire()) return new FaultDecision(FaultAction.Abort, rule);
      if (rule.delayMs > 0 && rule.delayDice.fire()) return new FaultDecision(FaultAction.Delay, rule);
      return NO_FAULT;
    }
    return NO_FAULT;
  }

  createFilter(services: FilterServices): MetaFilter {
    return new Fault(this, services);
  }
}

/** One connection's delayed requests, each with its due time; a wake-up is asked for the earliest. */
export class Fault extends MetaFilter {
  private held: HeldRequest[] = [];
  private dueNanos: u64[] = [];
  /** Due times of the wake-ups asked for that have not come yet. */
  private wakes: u64[] = [];

  constructor(private config: FaultConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const decision = this.config.decide(r.message.metadata);
    const rule = decision.rule;
    if (rule === null) return MessageAction.Continue;
    if (decision.action == FaultAction.Abort) {
      this.config.counters.abort();
      return r.reply(rule.abortKind, rule.abortDetail);
    }
    this.config.counters.delay();
    const due = this.services.now() + <u64>rule.delayMs * 1_000_000;
    this.held.push(r.hold());
    this.dueNanos.push(due);
    this.wakeBy(due);
    return MessageAction.Pause;
  }

  onTimer(): void {
    // Each wake-up comes once, the earliest first: forget that one. Should the clock still be short
    // of a due time (the host's clock and ours are read apart), wakeBy below asks again.
    if (this.wakes.length > 0) {
      let first = 0;
      for (let i = 1; i < this.wakes.length; i++) if (this.wakes[i] < this.wakes[first]) first = i;
      this.wakes.splice(first, 1);
    }
    const now = this.services.now();
    // Take the due ones out before resuming: resuming runs other code that may hold new requests here.
    const ready: HeldRequest[] = [];
    const readyDue: u64[] = [];
    const keptHeld: HeldRequest[] = [];
    const keptDue: u64[] = [];
    for (let i = 0; i < this.held.length; i++) {
      if (this.dueNanos[i] <= now) {
        ready.push(this.held[i]);
        readyDue.push(this.dueNanos[i]);
      } else {
        keptHeld.push(this.held[i]);
        keptDue.push(this.dueNanos[i]);
      }
    }
    this.held = keptHeld;
    this.dueNanos = keptDue;
    for (let n = 0; n < ready.length; n++) {
      // Earliest due first (a few at a time: a selection is enough).
      let first = 0;
      for (let i = 1; i < ready.length; i++) if (readyDue[i] < readyDue[first]) first = i;
      const request = ready[first];
      readyDue[first] = U64.MAX_VALUE;
      request.resume();
    }
    let earliest = U64.MAX_VALUE;
    for (let i = 0; i < this.dueNanos.length; i++) if (this.dueNanos[i] < earliest) earliest = this.dueNanos[i];
    if (earliest != U64.MAX_VALUE) this.wakeBy(earliest);
  }

  onConnectionClose(): void {
    this.held = [];
    this.dueNanos = [];
    this.wakes = [];
  }

  /** Asks for a wake-up at `due` unless one already comes by then. */
  private wakeBy(due: u64): void {
    for (let i = 0; i < this.wakes.length; i++) if (this.wakes[i] <= due) return;
    const now = this.services.now();
    const waitNanos = due > now ? due - now : 0;
    let ms = <u32>((waitNanos + 999_999) / 1_000_000);
    if (ms == 0) ms = 1;
    this.wakes.push(due);
    this.services.wakeAfter(ms);
  }
}

export class FaultFactory extends FilterFactory {
  get name(): string {
    return "meta_protocol.filters.fault";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    const rules = parseFaults(config, at, errors);
    return rules === null ? null : new FaultConfig(rules, new HostFaultCounters());
  }
}

/** The filter's configuration to its rules; null with every problem reported under `at`. */
export function parseFaults(config: JsonValue | null, at: string, errors: ConfigErrors): FaultRule[] | null {
  if (config === null) {
    errors.add(at, "required: faults");
    return null;
  }
  const fields = new ConfigFields(config, at, errors, ["faults"]);
  if (!fields.valid) return null;
  const list = fields.field("faults", JsonKind.Array, true);
  if (list === null) return null;
  if (list.items.length == 0) {
    errors.add(fields.path("faults"), "needs at least one fault");
    return null;
  }
  const before = errors.messages.length;
  const rules: FaultRule[] = [];
  for (let i = 0; i < list.items.length; i++) {
    const rule = parseRule(list.items[i], fields.path("faults") + "[" + i.toString() + "]", errors);
    if (rule !== null) rules.push(rule);
  }
  return errors.messages.length > before ? null : rules;
}

function parseRule(value: JsonValue, at: string, errors: ConfigErrors): FaultRule | null {
  const fields = new ConfigFields(value, at, errors, ["match", "delay", "abort"]);
  if (!fields.valid) return null;
  const before = errors.messages.length;
  let match: MetadataMatch | null = new MetadataMatch();
  const m = fields.field("match", JsonKind.Object);
  if (m !== null) match = MetadataMatch.parse(m, fields.path("match"), errors);

  let delayMs: i64 = 0;
  let delayPercent: f64 = 100;
  const delay = fields.field("delay", JsonKind.Object);
  if (delay !== null) {
    const d = new ConfigFields(delay, fields.path("delay"), errors, ["fixedDelay", "percentage"]);
    if (d.valid) {
      delayMs = d.durationMillis("fixedDelay", true);
      if (d.has("fixedDelay") && delayMs == 0) errors.add(d.path("fixedDelay"), "must be greater than zero");
      if (delayMs > 0xffffffff) errors.add(d.path("fixedDelay"), "must be at most 49 days");
      delayPercent = parsePercentage(d);
    }
  }

  let kind = ErrorKind.Unspecified;
  let detail = DEFAULT_DETAIL;
  let abortPercent: f64 = 100;
  const abort = fields.field("abort", JsonKind.Object);
  if (abort !== null) {
    const a = new ConfigFields(abort, fields.path("abort"), errors, ["errorKind", "detail", "percentage"]);
    if (a.valid) {
      const name = a.string("errorKind");
      if (name !== null) {
        const k = ERROR_KIND_NAMES.indexOf(name);
        if (k < 0) errors.add(a.path("errorKind"), "must be one of " + ERROR_KIND_NAMES.join(", ") + ", got \"" + name + "\"");
        else kind = <ErrorKind>k;
      }
      const text = a.string("detail");
      if (text !== null) detail = text;
      abortPercent = parsePercentage(a);
    }
  }
  if (!fields.has("delay") && !fields.has("abort")) errors.add(at, "needs a delay, an abort or both");
  if (errors.messages.length > before || match === null) return null;
  return new FaultRule(match, <u32>delayMs, new PercentAccumulator(delayPercent), abort !== null, kind, detail, new PercentAccumulator(abortPercent));
}

/** `percentage`: a number from 0 to 100, 100 when absent; -1 when invalid (reported). */
function parsePercentage(fields: ConfigFields): f64 {
  if (!fields.has("percentage")) return 100;
  const v = fields.field("percentage", JsonKind.Number);
  if (v === null) return -1;
  if (!(v.number >= 0 && v.number <= 100)) {
    fields.errors.add(fields.path("percentage"), "must be a number from 0 to 100");
    return -1;
  }
  return v.number;
}
