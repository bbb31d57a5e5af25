import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait.js';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway/daemon.js';

const observation = (value: number, at: number) => ({ kind: 'reading' as const, param: 'hr' as const, value, unit: '/min', sourceTs: at });

describe('bed settings survive a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-restore-'));
  const config = parseConfig(
    {
      dataDir: join(dir, 'data'),
      broker: { port: 0 },
      screen: { port: 0 },
      beds: [{ id: 'bed-1', overrides: { hr: { delaySeconds: 0 } } }],
      devices: [{ id: 'w1', bed: 'bed-1', transport: 'mqtt', password: 'pw' }],
      sync: { enabled: false },
    },
    'test',
  );
  const log = pino({ level: 'silent' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays limits and NEWS2 manual inputs from the audit trail', async () => {
    const first = new Gateway({ config, log });
    await first.start();
    first.setManualInputs('bed-1', { acvpu: 'V', o2: true }, 'staff:n1');
    first.reading('w1', observation(88, Date.now()));
    // a nurse lowers the HR limit for this bed to 100 (from the adult profile's 120)
    first.rules.setBedLimits('bed-1', { overrides: { hr: { delaySeconds: 0, high: [{ above: 100, priority: 'medium' }] } } }, 'staff:n1', Date.now());
    first.store.audit({ at: Date.now(), actor: 'n1', action: 'bed-limits', bed: 'bed-1', detail: { overrides: { hr: { delaySeconds: 0, high: [{ above: 100, priority: 'medium' }] } } } });
    await first.stop();

    const second = new Gateway({ config, log });
    await second.start();
    try {
      const news2 = second.rules.news2('bed-1', Date.now());
      expect(news2.subscores.acvpu).toBe(3);
      expect(second.ward.bed('bed-1')?.manual).toMatchObject({ acvpu: 'V', o2: true }); // shown on the screen too
      // the last values are shown again, with the time they were received (display only)
      expect(second.ward.bed('bed-1')?.vitals.hr).toMatchObject({ value: 88, deviceId: 'w1' });
      expect(second.ward.bed('bed-1')!.vitals.hr!.at).toBeLessThanOrEqual(Date.now());
      expect(news2.subscores.o2).toBe(2);
      second.reading('w1', observation(110, Date.now()));
      expect(second.rules.activeAlarms().some((a) => a.bed === 'bed-1' && a.condition === 'hr-high' && a.limit === 100)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('NEWS2 is complete again after a restart, from the values received before it at their own times', async () => {
    const cfg = { ...config, dataDir: join(dir, 'news2') };
    const first = new Gateway({ config: cfg, log });
    await first.start();
    first.setManualInputs('bed-1', { acvpu: 'A', o2: false }, 'staff:n1');
    const now = Date.now();
    for (const [param, value] of [['rr', 16], ['spo2', 97], ['sbp', 124], ['hr', 72], ['temp', 36.9]] as const) {
      first.reading('w1', { param, value, unit: param === 'temp' ? 'Cel' : param === 'sbp' ? 'mm[Hg]' : param === 'spo2' ? '%' : '/min', sourceTs: now });
    }
    expect(first.rules.news2('bed-1', Date.now()).complete).toBe(true);
    await first.stop();
    const second = new Gateway({ config: cfg, log });
    await second.start();
    try {
      const n = second.rules.news2('bed-1', Date.now());
      expect(n).toMatchObject({ complete: true, total: 0, risk: 'low' });
      // and freshness is judged from when they were received: 16 minutes on, the vitals no longer count
      expect(second.rules.news2('bed-1', Date.now() + 16 * 60_000).complete).toBe(false);
    } finally {
      await second.stop();
    }
  });

  it('judges a restored manual input by the time it was entered: two days old is stale', async () => {
    const cfg = { ...config, dataDir: join(dir, 'stale') };
    const first = new Gateway({ config: cfg, log });
    await first.start();
    first.store.audit({ at: Date.now() - 48 * 3600_000, actor: 'n1', action: 'news2-manual-inputs', bed: 'bed-1', detail: { acvpu: 'U' } });
    await first.stop();
    const second = new Gateway({ config: cfg, log });
    await second.start();
    try {
      const news2 = second.rules.news2('bed-1', Date.now());
      expect(news2.subscores.acvpu).toBeUndefined();
      expect(news2.missing).toContain('acvpu');
    } finally {
      await second.stop();
    }
  });

  it('a NEWS2 alarm caused by manual inputs alone is restored once, not raised again by the replayed inputs', async () => {
    const cfg = { ...config, dataDir: join(dir, 'acvpu-u') };
    const first = new Gateway({ config: cfg, log });
    await first.start();
    first.setManualInputs('bed-1', { acvpu: 'U' }, 'staff:n1'); // NEWS2 3 from ACVPU alone: a NEWS2 alarm
    const raised = first.rules.activeAlarms().filter((a) => a.condition === 'news2');
    expect(raised).toHaveLength(1);
    await first.stop();

    const second = new Gateway({ config: cfg, log });
    await second.start();
    try {
      await new Promise((r) => setTimeout(r, 1500)); // a tick or two
      const news2 = second.rules.activeAlarms().filter((a) => a.condition === 'news2');
      expect(news2.map((a) => a.id)).toEqual(raised.map((a) => a.id));
      // every alarm the engine holds is one the store knows (nothing raised that was never stored or published)
      const stored = new Set(second.store.openAlarms().map((a) => a.id));
      for (const a of second.rules.activeAlarms()) expect(stored.has(a.id)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});

describe("the gateway's own technical alarms after a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-restore-tech-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('clears a restored buzzer-fault and store-fault once the buzzer and the store work', async () => {
    const config = parseConfig({ dataDir: join(dir, 'data'), broker: { port: 0 }, screen: { port: 0 }, beds: [{ id: 'bed-1' }], sync: { enabled: false } }, 'test');
    const log = pino({ level: 'silent' });
    const first = new Gateway({ config, log });
    await first.start();
    const at = Date.now();
    for (const condition of ['buzzer-fault', 'store-fault'] as const) {
      const out = first.rules.technical({ bed: 'gateway', deviceId: condition === 'buzzer-fault' ? 'buzzer' : undefined, condition, active: true, at });
      first.store.commitAlarmChange(out.alarms, out.incidents, []);
    }
    await first.stop();

    const second = new Gateway({ config, log });
    await second.start();
    try {
      const active = () => second.rules.activeAlarms().filter((a) => a.bed === 'gateway' && a.state === 'active').map((a) => a.condition);
      await waitFor(() => active().length === 0, 5000, () => `no active gateway alarms (still active: ${active().join(', ')})`);
    } finally {
      await second.stop();
    }
  });
});
