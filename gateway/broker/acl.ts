/** Who a connected client is, decided at authentication. */
export interface Principal {
  kind: 'device' | 'service';
  name: string;
  /** Topic filters a service may subscribe to. Devices subscribe to nothing. */
  subscribe: string[];
}

/** MQTT topic filter match (MQTT 3.1.1 section 4.7): `+` one level, `#` the rest. */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when `filter` subscribes to nothing beyond what `allowed` covers. */
function filterWithin(filter: string, allowed: string): boolean {
  const f = filter.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < f.length; i++) {
    if (a[i] === '#') return true;
    if (i >= a.length) return false;
    if (f[i] === '#') return false;
    if (a[i] === '+') continue;
    if (f[i] === '+' || f[i] !== a[i]) return false;
  }
  return f.length === a.length;
}

/**
 * The broker's ACL. Devices publish only to their own `vitals/<id>` and `events/<id>` and subscribe to
 * nothing; service accounts publish nothing and subscribe only within their configured filters.
 */
export function topicAllowed(p: Principal, topic: string, action: 'publish' | 'subscribe'): boolean {
  if (p.kind === 'device') {
    if (action === 'subscribe') return false;
    return topic === `vitals/${p.name}` || topic === `events/${p.name}`;
  }
  if (action === 'publish') return false;
  return p.subscribe.some((allowed) => filterWithin(topic, allowed));
}
