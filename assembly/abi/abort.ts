// Replaces AssemblyScript's default `env.abort` import, which Envoy does not register:
// the message goes to Envoy's log at critical level, then the VM traps as an abort should.
@external("env", "proxy_log")
declare function proxy_log(level: i32, messagePtr: usize, messageSize: usize): i32;

const LOG_CRITICAL: i32 = 5;

export function abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = (message !== null ? message : "abort") + " at " + (fileName !== null ? fileName : "?") +
    ":" + line.toString() + ":" + column.toString();
  const utf8 = String.UTF8.encode(text);
  proxy_log(LOG_CRITICAL, changetype<usize>(utf8), utf8.byteLength);
  unreachable();
}
