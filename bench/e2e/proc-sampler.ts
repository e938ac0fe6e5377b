// What Linux says about a process: CPU time (utime + stime of all its threads) and resident memory.
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time the process has used so far, in microseconds (10 ms resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export function isAlive(pid: number): boolean {
  try {
    // A zombie still has /proc/<pid>; its state letter is Z.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Per CPU, jiffies busy (everything but idle and iowait) and in total, for every process on the machine. */
export function machineCpuTimes(): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    out[Number(m[1])] = { busy: total - v[3] - v[4], total };
  }
  return out;
}

/** How busy each CPU was between two samples, as a fraction. */
export function busyBetween(before: CpuTimes[], after: CpuTimes[]): number[] {
  return after.map((a, i) => (a.total > before[i].total ? (a.busy - before[i].busy) / (a.total - before[i].total) : 0));
}
