import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from './store.js';
import { DownlinkStore } from './downlink.js';
import type { AdmissionMessage, IncidentStatusMessage } from '../../sync/wire.js';

const dirs: string[] = [];
function freshStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-downlink-'));
  dirs.push(dir);
  return new Store(dir);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const status = (messageId: string, s: IncidentStatusMessage['status'], at: number, assignedTo?: IncidentStatusMessage['assignedTo']): IncidentStatusMessage => ({
  schema: 'wardgate/incident-status', schemaVersion: 1, messageId, incidentId: 'inc-1', status: s, at, ...(assignedTo ? { assignedTo } : {}),
});
const adm = (messageId: string, action: 'admit' | 'discharge', bed: string, at: number, patient?: string): AdmissionMessage => ({
  schema: 'wardgate/admission', schemaVersion: 1, messageId, action, bed, at, ...(patient ? { patient: { id: patient } } : {}),
});

describe('DownlinkStore', () => {
  const lifecycle = [
    status('s1', 'ASSIGNED', 1000, { id: 'rn-ada', name: 'Ada' }),
    status('s2', 'ACKNOWLEDGED', 2000),
    status('s3', 'IN_PROGRESS', 3000),
    status('s4', 'RESOLVED', 4000),
  ];

  it('a duplicate is recognised and applied once', () => {
    const d = new DownlinkStore(freshStore().db);
    expect(d.apply(lifecycle[0]!, 1).applied).toBe(true);
    expect(d.apply(lifecycle[0]!, 2)).toEqual({ applied: false, reason: 'duplicate' });
  });

  it('any order and any duplication of the same messages ends in the same state (RESOLVED, assigned to Ada)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 12 }).chain((extra) => fc.shuffledSubarray([0, 1, 2, 3, ...extra], { minLength: 4 + extra.length })), (order) => {
        const store = freshStore();
        const d = new DownlinkStore(store.db);
        for (const i of order) d.apply(lifecycle[i]!, 0);
        expect(d.centralStatuses()).toEqual([{ incidentId: 'inc-1', status: 'RESOLVED', at: 4000, assignedTo: { id: 'rn-ada', name: 'Ada' } }]);
        store.close();
      }),
      { numRuns: 40 },
    );
  });

  it('an older status arriving late is ignored; the same instant orders by status rank', () => {
    const d = new DownlinkStore(freshStore().db);
    d.apply(lifecycle[2]!, 0);
    expect(d.apply(lifecycle[1]!, 0)).toEqual({ applied: false, reason: 'stale' });
    expect(d.apply(status('s5', 'RESOLVED', 3000), 0).applied).toBe(true);
    expect(d.apply(status('s6', 'ACKNOWLEDGED', 3000), 0).applied).toBe(false);
  });

  it('admissions: latest per bed wins in any order; admitting elsewhere moves the patient; duplicates ignored', () => {
    const msgs = [adm('a1', 'admit', 'bed-1', 100, 'p1'), adm('a2', 'discharge', 'bed-1', 200), adm('a3', 'admit', 'bed-1', 300, 'p2'), adm('a4', 'admit', 'bed-2', 400, 'p2')];
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3, 0, 2, 3], { minLength: 7 }), (order) => {
        const store = freshStore();
        const d = new DownlinkStore(store.db);
        for (const i of order) d.apply(msgs[i]!, 0);
        const byBed = Object.fromEntries(d.admissions().map((a) => [a.bed, a]));
        expect(byBed['bed-2']).toMatchObject({ state: 'admitted', patient: { id: 'p2' } });
        expect(byBed['bed-1']?.state).toBe('discharged');
        expect(d.patientOf('bed-1')).toBeUndefined();
        expect(d.patientOf('bed-2')).toBe('p2');
        store.close();
      }),
      { numRuns: 30 },
    );
  });

  it('mirrors the centre status onto the incident row the gateway holds', () => {
    const store = freshStore();
    store.commitAlarmChange([], [{ incidentId: 'inc-1', incidentSeq: 1, type: 'opened', bed: 'b', condition: 'hr-high', kind: 'physiological', priority: 'high', at: 1, by: 'rules', alarmId: 'a', vitals: {}, message: '' }], []);
    new DownlinkStore(store.db).apply(lifecycle[0]!, 0);
    expect(store.centralState('inc-1')).toEqual({ status: 'ASSIGNED', assignedTo: JSON.stringify({ id: 'rn-ada', name: 'Ada' }) });
  });
});
