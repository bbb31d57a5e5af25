import { BlockList, isIP } from 'node:net';
import { parseNetwork } from '../../config/network-schema.js';

/**
 * Per-device sender allowlists for the HL7 listener: a device with `hl7.allowFrom` accepts messages only from those
 * addresses or networks, so a laptop on the ward LAN cannot inject vitals for its bed. Devices without a list accept
 * any sender the listener accepts.
 */
export function senderAllowlist(devices: Array<{ id: string; hl7?: { allowFrom?: string[] | undefined } | undefined }>): (deviceId: string, remoteIp: string) => boolean {
  const lists = new Map<string, BlockList>();
  for (const d of devices) {
    const allow = d.hl7?.allowFrom;
    if (!allow) continue;
    const list = new BlockList();
    for (const entry of allow) {
      const n = parseNetwork(entry);
      if (!n) continue; // refused by the config schema already
      list.addSubnet(n.address, n.prefix, n.family === 4 ? 'ipv4' : 'ipv6');
    }
    lists.set(d.id, list);
  }
  return (deviceId, remoteIp) => {
    const list = lists.get(deviceId);
    if (!list) return true;
    const family = isIP(remoteIp);
    if (family === 0) return false;
    return list.check(remoteIp, family === 4 ? 'ipv4' : 'ipv6');
  };
}
