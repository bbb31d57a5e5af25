import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Buzzer } from './buzzer.js';
import { GpioAnnunciator } from './gpio.js';

/**
 * A stand-in for Debian's gpioset (libgpiod 1.6): logs its pid and arguments; in --mode=signal it holds until SIGTERM
 * (as the real one does) and logs the signal; `FAIL_LINE` makes it refuse a line at once, as the real one does for a
 * busy or missing line (exit 1, message on stderr).
 */
function standIn(dir: string, failAfterSpawn = false): { command: string; log: string } {
  const log = join(dir, 'gpioset.log');
  const command = join(dir, 'gpioset');
  writeFileSync(
    command,
    `#!/bin/sh
trap 'echo "$$ TERM" >> "${log}"; exit 0' TERM INT
echo "$$ start $*" >> "${log}"
${failAfterSpawn ? 'echo "gpioset: error setting the GPIO line values: Device or resource busy" >&2; exit 1' : ''}
case "$1" in
  --mode=signal)
    while :; do sleep 0.02; done ;;
esac
exit 0
`,
  );
  chmodSync(command, 0o755);
  return { command, log };
}

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};
const until = async (pred: () => boolean, ms = 3000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('GpioAnnunciator against a gpioset stand-in', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'wardgate-gpio-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('holds each level with `gpioset --mode=signal CHIP LINE=V`, stopping the previous holder first; close leaves it low', async () => {
    const s = standIn(tmp());
    const gpio = new GpioAnnunciator({ chip: 'gpiochip0', line: 17, command: s.command });
    // the stand-in logs after it starts; wait for that so a switch never overtakes its start-up
    const started = (n: number) => until(() => lines(s.log).filter((l) => l.includes(' start ')).length >= n);
    await gpio.set(false);
    await started(1);
    await gpio.set(true);
    await started(2);
    await gpio.set(true); // already held: no new process
    await gpio.set(false);
    await started(3);
    await gpio.close();
    const log = lines(s.log).map((l) => l.split(' '));
    const [p1, p2, p3] = [log[0]![0], log[2]![0], log[4]![0]];
    expect(log.map((l) => l.slice(1).join(' '))).toEqual([
      'start --mode=signal gpiochip0 17=0',
      'TERM',
      'start --mode=signal gpiochip0 17=1',
      'TERM',
      'start --mode=signal gpiochip0 17=0',
      'TERM',
      'start gpiochip0 17=0',
    ]);
    // each holder was stopped (same pid) before the next one asked for the line
    expect([log[1]![0], log[3]![0], log[5]![0]]).toEqual([p1, p2, p3]);
  });

  it('active-low inverts the level', async () => {
    const s = standIn(tmp());
    const gpio = new GpioAnnunciator({ chip: 'gpiochip4', line: 5, command: s.command, activeLow: true });
    await gpio.set(true);
    await until(() => lines(s.log).length >= 1);
    await gpio.close();
    expect(lines(s.log)[0]).toMatch(/start --mode=signal gpiochip4 5=0$/);
    expect(lines(s.log).at(-1)).toMatch(/start gpiochip4 5=1$/);
  });

  it('a gpioset that exits on its own (line busy) and a missing gpioset are buzzer faults', async () => {
    const s = standIn(tmp(), true);
    const faults: Array<[boolean, string]> = [];
    const buzzer = new Buzzer({ output: new GpioAnnunciator({ chip: 'gpiochip0', line: 17, command: s.command }), onFault: (a, d) => faults.push([a, d]) });
    await buzzer.start();
    await until(() => faults.length > 0);
    expect(faults[0]![0]).toBe(true);
    expect(faults[0]![1]).toMatch(/exited \(1\).*Device or resource busy/);
    await buzzer.close();

    const missing: Array<[boolean, string]> = [];
    const b2 = new Buzzer({ output: new GpioAnnunciator({ chip: 'gpiochip0', line: 17, command: join(tmp(), 'no-such-gpioset') }), onFault: (a, d) => missing.push([a, d]) });
    await b2.start();
    expect(missing).toHaveLength(1);
    expect(missing[0]![1]).toMatch(/ENOENT/);
    await b2.close();
  });
});
