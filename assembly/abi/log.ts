// Logging at Envoy's levels (the wasm log lines appear under Envoy's `wasm` logger).
import { getLogLevel, log } from "./host";
import { LogLevel } from "./types";

/** Whether Envoy keeps messages at `level`: check before building an expensive message. */
export function logEnabled(level: LogLevel): bool {
  return level >= getLogLevel();
}

export function logTrace(message: string): void {
  log(LogLevel.Trace, message);
}
export function logDebug(message: string): void {
  log(LogLevel.Debug, message);
}
export function logInfo(message: string): void {
  log(LogLevel.Info, message);
}
export function logWarn(message: string): void {
  log(LogLevel.Warn, message);
}
export function logError(message: string): void {
  log(LogLevel.Error, message);
}
export function logCritical(message: string): void {
  log(LogLevel.Critical, message);
}
