// Logging at Envoy's levels (the wasm log lines appear under Envoy's `wasm` logger). The host's
// level is read at most once per callback (exports.ts forgets it when each callback ends, so a
// change is followed from the next one): trace, debug and info lines the level drops cost no host
// call, and callers that build a line check logEnabled first, so it is not even built.
import { getLogLevel, log } from "./host";
import { LogLevel } from "./types";

let level: i32 = -1;

/** Forgets the host's level read during this callback. */
export function forgetLogLevel(): void {
  level = -1;
}

/** Whether Envoy keeps messages at `at`: check before building an expensive message. */
export function logEnabled(at: LogLevel): bool {
  if (level < 0) level = getLogLevel();
  return at >= level;
}

export function logTrace(message: string): void {
  if (logEnabled(LogLevel.Trace)) log(LogLevel.Trace, message);
}
export function logDebug(message: string): void {
  if (logEnabled(LogLevel.Debug)) log(LogLevel.Debug, message);
}
export function logInfo(message: string): void {
  if (logEnabled(LogLevel.Info)) log(LogLevel.Info, message);
}
/** Warnings and worse are kept at every level but `off`: logged without asking the level. */
export function logWarn(message: string): void {
  log(LogLevel.Warn, message);
}
export function logError(message: string): void {
  log(LogLevel.Error, message);
}
export function logCritical(message: string): void {
  log(LogLevel.Critical, message);
}
