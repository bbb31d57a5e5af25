/**
 * The emulated monitor's message layer: what an IntelliVue sends (association result, MDS Create, poll results
 * with numerics and alarm lists) and how it reads a client's requests. Written from the protocol facts in
 * docs/intellivue.md (session and numerics, with their sources), independently of drivers/serial/intellivue (no imports from there).
 */

class Out {
  private a: number[] = [];
  b(v: number): this {
    this.a.push(v & 0xff);
    return this;
  }
  w(v: number): this {
    return this.b(v >>> 8).b(v);
  }
  d(v: number): this {
    return this.w(Math.floor((v >>> 0) / 65536)).w(v >>> 0);
  }
  raw(x: ArrayLike<number>): this {
    for (let i = 0; i < x.length; i++) this.a.push((x[i] as number) & 0xff);
    return this;
  }
  /** u16 length then the bytes. */
  block(x: ArrayLike<number>): this {
    return this.w(x.length).raw(x);
  }
  get size(): number {
    return this.a.length;
  }
  buf(): Buffer {
    return Buffer.from(this.a);
  }
}

const fromHex = (s: string): number[] => (s.match(/[0-9a-f]{2}/gi) ?? []).map((h) => parseInt(h, 16));

/** Session data both sides send in CN/AC SPDUs [ML Models/SessionData.cs]. */
const SESSION_DATA = fromHex('0508130100160102800014020002');
/** Presentation prefix of an AARQ; a real client's request carries exactly these bytes [ML PresentationHeader.cs]. */
const AARQ_PREFIX = fromHex(
  '3180a0808001010000a280a003000001a4803080020101060452010001308006025101000000003080020102060c2a8648ce14020100000001013080060c2a8648ce140201000000020100000000000061803080020101a0806080a180060c2a8648ce14020100000003010000be802880060c2a8648ce140201000000010102010281',
);
/** Presentation prefix of an AARE [ML PresentationHeader.AssociationResponsePayload]. */
const AARE_PREFIX = fromHex(
  '3180a0808001010000a280a003000001a58030808001008102510100003080800100810c2a8648ce14020100000002010000000061803080020101a0806180a180060c2a8648ce14020100000003010000a203020100a305a103020100be80288002010281',
);

function li(n: number): number[] {
  return n < 255 ? [n] : [0xff, n >> 8, n & 0xff];
}

export interface NegotiatedProfile {
  minPollPeriodTicks: number;
  mtuRx: number;
  mtuTx: number;
}

export function monitorAssociationResult(p: NegotiatedProfile): Buffer {
  const ext = new Out().d(0x80000000).w(0).w(0).buf();
  const pkgs = new Out().w(1).w(ext.length + 4).w(0xf001).block(ext).buf();
  const pps = new Out().d(0x80000000).d(p.minPollPeriodTicks).d(p.mtuRx).d(p.mtuTx).d(0xffffffff).d(0x60000000).raw(pkgs).buf();
  const ui = new Out()
    .d(0x80000000).d(0x40000000).d(0).d(0x00800000).d(0x20000000)
    .w(0).w(0)
    .w(1).w(pps.length + 4).w(0x0001).block(pps)
    .buf();
  const asn = ui.length < 128 ? [ui.length] : [0x82, ui.length >> 8, ui.length & 0xff];
  const pres = [...AARE_PREFIX, ...asn, ...ui, ...new Array<number>(16).fill(0)];
  const body = [...SESSION_DATA, 0xc1, ...li(pres.length), ...pres];
  return Buffer.from([0x0e, ...li(body.length), ...body]);
}

export const MONITOR_REFUSE = Buffer.from([0x0c, 0x03, 0x32, 0x01, 0x00]);
export const MONITOR_ABORT = Buffer.from(fromHex('192e110103c129a080a0803080020101060251010000000061803080020101a080648080010100000000000000000000'));
export const MONITOR_RELEASE_RESULT = Buffer.from(fromHex('0a18c11661803080020101a08063808001000000000000000000'));

/** ROapdus wrapper with SPpdu {0xE100, context 2}. */
function export_(roType: number, ro: Buffer): Buffer {
  return new Out().w(0xe100).w(2).w(roType).block(ro).buf();
}

export function bcdTime(d: Date): number[] {
  const bcd = (n: number): number => ((Math.floor(n / 10) % 10) << 4) | (n % 10);
  const y = d.getUTCFullYear();
  return [bcd(Math.floor(y / 100)), bcd(y % 100), bcd(d.getUTCMonth() + 1), bcd(d.getUTCDate()), bcd(d.getUTCHours()), bcd(d.getUTCMinutes()), bcd(d.getUTCSeconds()), bcd(Math.floor(d.getUTCMilliseconds() / 10))];
}

function utf16String(s: string): number[] {
  const out = new Out();
  const chars: number[] = [];
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    chars.push(c >> 8, c & 0xff);
  }
  chars.push(0, 0);
  return [...out.block(chars).buf()];
}

/** MDS Create Event Report: ROIV / CONFIRMED_EVENT_REPORT, NOM_NOTI_MDS_CREAT with TIME_ABS, TIME_REL, bed label. */
export function monitorMdsCreate(invokeId: number, relTicks: number, now: Date, bedLabel: string): Buffer {
  const attrs = new Out()
    .w(0x0987).block(bcdTime(now))
    .w(0x098f).w(4).d(relTicks)
    .w(0x091e).block(utf16String(bedLabel))
    .buf();
  const info = new Out().w(0x0021).w(0).w(0).w(3).block(attrs).buf();
  const ev = new Out().w(0x0021).w(0).w(0).d(relTicks).w(0x0d06).block(info).buf();
  const ro = new Out().w(invokeId).w(1).block(ev).buf();
  return export_(1, ro);
}

/** FLOAT-Type encoding: the smallest exponent that keeps the value exact to 3 decimals; NaN gives the NaN code. */
export function floatType(v: number | 'NaN' | 'NRes' | '+INF' | '-INF'): number {
  const special = { NaN: 0x007fffff, NRes: 0x00800000, '+INF': 0x007ffffe, '-INF': 0x00800002 } as const;
  if (typeof v === 'string') return special[v];
  if (!Number.isFinite(v)) return special.NaN;
  for (let e = 0; e >= -3; e--) {
    const m = Math.round(v * 10 ** -e);
    if (Math.abs(m / 10 ** -e - v) < 1e-9 && Math.abs(m) < 0x7ffffd) return (((e & 0xff) << 24) | (m & 0xffffff)) >>> 0;
  }
  return special.NRes;
}

export interface NumericSpec {
  handle: number;
  physioId: number;
  /** Label TextId (partition in the high 16 bits); default 0x0002xxxx for the physio id. */
  label?: number;
  unit: number;
  value: number | 'NaN' | 'NRes' | '+INF' | '-INF';
  state?: number;
}

export interface CompoundSpec {
  handle: number;
  label: number;
  unit: number;
  parts: { physioId: number; value: number | 'NaN'; state?: number }[];
  state?: number;
  measuredAt?: Date;
}

export interface AlarmSpec {
  list: 'physiological' | 'technical';
  source: number;
  code: number;
  type: number;
  state: number;
  textId: number;
  text?: string;
}

export type ObjectSpec = ({ kind: 'numeric' } & NumericSpec) | ({ kind: 'compound' } & CompoundSpec) | { kind: 'alarms'; handle: number; alarms: AlarmSpec[] };

function objectAttrs(o: ObjectSpec): { count: number; bytes: Buffer } {
  const a = new Out();
  if (o.kind === 'numeric') {
    a.w(0x0924).w(4).d(o.label ?? 0x00020000 + o.physioId);
    a.w(0x0950).w(10).w(o.physioId).w(o.state ?? 0).w(o.unit).d(floatType(o.value));
    return { count: 2, bytes: a.buf() };
  }
  if (o.kind === 'compound') {
    const parts = new Out();
    for (const p of o.parts) parts.w(p.physioId).w(p.state ?? o.state ?? 0).w(o.unit).d(floatType(p.value));
    const cmpd = new Out().w(o.parts.length).block(parts.buf()).buf();
    a.w(0x0924).w(4).d(o.label);
    a.w(0x094b).block(cmpd);
    let count = 2;
    if (o.measuredAt) {
      a.w(0x0990).block(bcdTime(o.measuredAt));
      count++;
    }
    return { count, bytes: a.buf() };
  }
  let count = 0;
  for (const list of ['physiological', 'technical'] as const) {
    const entries = new Out();
    const sel = o.alarms.filter((x) => x.list === list);
    for (const al of sel) {
      const info = new Out().w(1).d(al.textId).w(0).w(0x4000);
      if (al.text !== undefined) info.raw(utf16String(al.text));
      entries.w(al.source).w(al.code).w(al.type).w(al.state).w(0x0006).w(0).w(1).w(al.text !== undefined ? 0x0204 : 0x0201).block(info.buf());
    }
    a.w(list === 'physiological' ? 0x0902 : 0x0904).block(new Out().w(sel.length).block(entries.buf()).buf());
    count++;
  }
  return { count, bytes: a.buf() };
}

export interface PollReplySpec {
  invokeId: number;
  extended: boolean;
  pollNumber: number;
  sequenceNo: number;
  relTicks: number;
  objClass: number;
  attrGroup: number;
  objects: ObjectSpec[];
  /** RORLS linked_id {state, count}; absent = RORS. */
  linked?: { state: number; count: number };
}

/** One poll result frame's user data (RORS or RORLS / CONFIRMED_ACTION, PollMdibDataReply[Ext]). */
export function monitorPollResult(s: PollReplySpec): Buffer {
  const obs = new Out();
  for (const o of s.objects) {
    const { count, bytes } = objectAttrs(o);
    obs.w(o.handle).w(count).block(bytes);
  }
  const ctx = new Out().w(0).w(s.objects.length).block(obs.buf()).buf();
  const reply = new Out().w(s.pollNumber);
  if (s.extended) reply.w(s.sequenceNo);
  reply.d(s.relTicks).raw(new Array<number>(8).fill(0xff)).w(1).w(s.objClass).w(s.attrGroup).w(s.objects.length ? 1 : 0).block(ctx);
  const action = new Out().w(0x0021).w(0).w(0).w(s.extended ? 0xf13b : 0x0c16).block(reply.buf()).buf();
  const ro = new Out();
  if (s.linked) ro.b(s.linked.state).b(s.linked.count);
  ro.w(s.invokeId).w(7).block(action);
  return export_(s.linked ? 5 : 2, ro.buf());
}

// ---------------------------------------------------------------- reading client requests

export type ClientRequest =
  | { kind: 'associate'; minPollPeriodTicks: number; mtuRx: number; mtuTx: number }
  | { kind: 'bad-associate'; why: string }
  | { kind: 'release' }
  | { kind: 'release-result' }
  | { kind: 'abort' }
  | { kind: 'mds-create-result'; invokeId: number; eventType: number }
  | { kind: 'poll'; invokeId: number; extended: boolean; pollNumber: number; objClass: number; attrGroup: number; periodTicks?: number }
  | { kind: 'unknown'; why: string };

class In {
  constructor(
    private readonly u: Uint8Array,
    public p = 0,
  ) {}
  b(): number {
    if (this.p >= this.u.length) throw new RangeError('short');
    return this.u[this.p++] as number;
  }
  w(): number {
    return (this.b() << 8) | this.b();
  }
  d(): number {
    return this.w() * 65536 + this.w();
  }
  skip(n: number): void {
    if (this.p + n > this.u.length) throw new RangeError('short');
    this.p += n;
  }
  lengthIndicator(): number {
    const first = this.b();
    return first === 0xff ? this.w() : first;
  }
}

function readAssociationRequest(u: Uint8Array): ClientRequest {
  const r = new In(u, 1);
  r.lengthIndicator();
  for (const expected of SESSION_DATA) if (r.b() !== expected) return { kind: 'bad-associate', why: 'session data' };
  if (r.b() !== 0xc1) return { kind: 'bad-associate', why: 'presentation tag' };
  r.lengthIndicator();
  for (const expected of AARQ_PREFIX) if (r.b() !== expected) return { kind: 'bad-associate', why: `presentation byte at ${r.p - 1}` };
  let asnLen = r.b();
  if (asnLen & 0x80) {
    const n = asnLen & 0x7f;
    asnLen = 0;
    for (let i = 0; i < n; i++) asnLen = asnLen * 256 + r.b();
  }
  if (r.d() !== 0x80000000) return { kind: 'bad-associate', why: 'protocol version' };
  if (r.d() !== 0x40000000) return { kind: 'bad-associate', why: 'nomenclature version' };
  r.d(); // functional units
  if (r.d() !== 0x80000000) return { kind: 'bad-associate', why: 'system type is not a client' };
  r.d(); // startup mode
  r.w();
  r.skip(r.w()); // option list
  const profiles = r.w();
  r.w();
  for (let i = 0; i < profiles; i++) {
    const id = r.w();
    const len = r.w();
    if (id !== 0x0001) {
      r.skip(len);
      continue;
    }
    r.d(); // revision
    const minPollPeriodTicks = r.d();
    const mtuRx = r.d();
    const mtuTx = r.d();
    return { kind: 'associate', minPollPeriodTicks, mtuRx, mtuTx };
  }
  return { kind: 'bad-associate', why: 'no poll profile' };
}

export function readClientRequest(u: Uint8Array): ClientRequest {
  try {
    switch (u[0]) {
      case 0x0d:
        return readAssociationRequest(u);
      case 0x09:
        return { kind: 'release' };
      case 0x0a:
        return { kind: 'release-result' };
      case 0x19:
        return { kind: 'abort' };
      case 0xe1:
        break;
      default:
        return { kind: 'unknown', why: `first byte ${u[0]}` };
    }
    const r = new In(u, 4);
    const roType = r.w();
    r.w();
    const invokeId = r.w();
    const cmd = r.w();
    r.w();
    if (roType === 2 && cmd === 1) {
      r.skip(6 + 4);
      return { kind: 'mds-create-result', invokeId, eventType: r.w() };
    }
    if (roType === 1 && cmd === 7) {
      r.skip(6 + 4); // managed object, scope
      const action = r.w();
      r.w();
      const pollNumber = r.w();
      r.w(); // partition
      const objClass = r.w();
      const attrGroup = r.w();
      if (action === 0x0c16) return { kind: 'poll', invokeId, extended: false, pollNumber, objClass, attrGroup };
      if (action !== 0xf13b) return { kind: 'unknown', why: `action ${action}` };
      const req: ClientRequest = { kind: 'poll', invokeId, extended: true, pollNumber, objClass, attrGroup };
      const n = r.w();
      r.w();
      for (let i = 0; i < n; i++) {
        const id = r.w();
        const len = r.w();
        if (id === 0xf13e && len === 4) req.periodTicks = r.d();
        else r.skip(len);
      }
      return req;
    }
    return { kind: 'unknown', why: `ro ${roType} cmd ${cmd}` };
  } catch {
    return { kind: 'unknown', why: 'short request' };
  }
}
