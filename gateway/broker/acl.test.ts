import { describe, expect, it } from 'vitest';
import { filterMatches, topicAllowed } from './acl.js';

describe('broker ACL', () => {
  const device = { kind: 'device' as const, name: 'wear-1', subscribe: [] };
  const nurseCall = { kind: 'service' as const, name: 'nursecall', subscribe: ['alarms/#'] };

  it('lets a device publish only its own vitals and events, and subscribe to nothing', () => {
    expect(topicAllowed(device, 'vitals/wear-1', 'publish')).toBe(true);
    expect(topicAllowed(device, 'events/wear-1', 'publish')).toBe(true);
    expect(topicAllowed(device, 'vitals/wear-2', 'publish')).toBe(false);
    expect(topicAllowed(device, 'vitals/wear-1/x', 'publish')).toBe(false);
    expect(topicAllowed(device, 'alarms/bed-1', 'publish')).toBe(false);
    expect(topicAllowed(device, 'alarms/#', 'subscribe')).toBe(false);
  });

  it('lets a service subscribe within its filters only, and publish nothing', () => {
    expect(topicAllowed(nurseCall, 'alarms/#', 'subscribe')).toBe(true);
    expect(topicAllowed(nurseCall, 'alarms/bed-1', 'subscribe')).toBe(true);
    expect(topicAllowed(nurseCall, 'alarms/+', 'subscribe')).toBe(true);
    expect(topicAllowed(nurseCall, '#', 'subscribe')).toBe(false);
    expect(topicAllowed(nurseCall, 'vitals/#', 'subscribe')).toBe(false);
    expect(topicAllowed(nurseCall, 'alarms/bed-1', 'publish')).toBe(false);
  });

  it('matches MQTT filters', () => {
    expect(filterMatches('alarms/#', 'alarms/bed-1')).toBe(true);
    expect(filterMatches('alarms/+', 'alarms/bed-1')).toBe(true);
    expect(filterMatches('alarms/+', 'alarms/bed-1/x')).toBe(false);
    expect(filterMatches('vitals/a', 'vitals/b')).toBe(false);
  });
});
