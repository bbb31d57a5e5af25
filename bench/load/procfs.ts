/** Linux /proc readings of another process: resident memory and CPU time (proc(5): /proc/<pid>/status, /proc/<pid>/stat). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Resident set size in MB (VmRSS), or undefined once the process is gone. */
export function rssMB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds the process has used (utime + stime, fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerSecond();
}

/** Samples a process's RSS every `everyMs` until stopped. */
export class RssSampler {
  readonly samples: Array<{ atMs: number; mb: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = Date.now();

  constructor(pid: number, everyMs = 1000) {
    const take = () => {
      const mb = rssMB(pid);
      if (mb !== undefined) this.samples.push({ atMs: Date.now() - this.t0, mb });
    };
    take();
    this.timer = setInterval(take, everyMs);
  }

  stop(): Array<{ atMs: number; mb: number }> {
    clearInterval(this.timer);
    return this.samples;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/**
 * Bytes the process caused to be written to storage (`write_bytes` of /proc/<pid>/io, proc(5)): what an SD card
 * sees from it, page granularity, page-cache writes counted when dirtied. Undefined once the process is gone.
 */
export function writeBytes(pid: number): number | undefined {
  try {
    const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
