// Envoy-style log lines: `[timestamp][level] message`, filtered by the level given with -l.
import { LOG_LEVEL_NAMES, LogLevel } from "./wasm/types.ts";

export function parseLogLevel(name: string): LogLevel {
  const i = LOG_LEVEL_NAMES.indexOf(name === "warn" ? "warning" : (name as any));
  if (i < 0) throw new Error(`unknown log level '${name}' (trace, debug, info, warning, error, critical)`);
  return i as LogLevel;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + "\n")) {
  return (msgLevel: LogLevel, message: string): void => {
    if (msgLevel < level) return;
    write(`[${new Date().toISOString()}][${LOG_LEVEL_NAMES[msgLevel]}] ${message}`);
  };
}
