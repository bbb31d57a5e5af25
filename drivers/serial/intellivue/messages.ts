/**
 * IntelliVue Data Export messages (the user data inside one frame): builders for what the client sends and a
 * parser for what a monitor sends. Source keys in [brackets]: docs/intellivue.md.
 *
 * Layers, all big-endian:
 *   association control: SPDU type u8, LengthIndicator (u8, or 0xFF + u16) [ML Models/LengthIndicator.cs], then
 *     fixed session data and presentation (ASN.1) headers, the MDSEUserInfoStd, a zero trailer.
 *   data export: SPpdu {session_id 0xE100, p_context_id u16} | ROapdus {ro_type u16, length u16} |
 *     ROIV/RORS {invoke_id, command_type, length} or RORLS {linked_id state u8 count u8, invoke_id, command_type,
 *     length} or ROER {invoke_id, error_value, length} [ML CommandMessageReader; VSC Class2.cs:2713-2726].
 */
import { ByteReader, ByteWriter, ShortInput } from './byte-reader.js';

// ---- identifiers [ML AssociationCommandType.cs, RemoteOperationType.cs, DataExportCommandType.cs, OIDType.cs;
//      VSC Class2.cs; OI association/*] ----
export const SPDU = { CN: 0x0d, AC: 0x0e, RF: 0x0c, FN: 0x09, DN: 0x0a, AB: 0x19, DATA_EXPORT: 0xe1 } as const;
export const RO = { INVOKE: 1, RESULT: 2, ERROR: 3, LINKED_RESULT: 5 } as const;
export const CMD = { EVENT_REPORT: 0, CONFIRMED_EVENT_REPORT: 1, GET: 3, SET: 4, CONFIRMED_SET: 5, CONFIRMED_ACTION: 7 } as const;
export const SESSION_ID = 0xe100;
export const PRESENTATION_CONTEXT_ID = 2;
export const NOM_PART_OBJ = 1;
export const OBJ = { METRIC_ENUM: 0x0005, METRIC_NU: 0x0006, METRIC_SA_RT: 0x0009, VMS_MDS: 0x0021, PT_DEMOG: 0x002a, VMO_AL_MON: 0x0036 } as const;
export const ATTR_GRP = { ALL: 0, AL_MON: 0x0801, METRIC_VAL_OBS: 0x0803, PT_DEMOG: 0x0807, SYS_PROD: 0x080c, VMO_DYN: 0x0810, VMO_STATIC: 0x0811 } as const;
export const NOM_NOTI_MDS_CREAT = 0x0d06;
export const NOM_ACT_POLL_MDIB_DATA = 0x0c16;
export const NOM_ACT_POLL_MDIB_DATA_EXT = 0xf13b;
export const NOM_POLL_PROFILE_SUPPORT = 0x0001;
export const NOM_ATTR_POLL_PROFILE_EXT = 0xf001;
export const NOM_ATTR_TIME_PD_POLL = 0xf13e;
export const ATTR = {
  ID_HANDLE: 0x0921,
  ID_LABEL: 0x0924,
  ID_LABEL_STRING: 0x0927,
  ID_MODEL: 0x0928,
  ID_BED_LABEL: 0x091e,
  SYS_ID: 0x0984,
  TIME_ABS: 0x0987,
  TIME_REL: 0x098f,
  NU_VAL_OBS: 0x0950,
  NU_CMPD_VAL_OBS: 0x094b,
  TIME_STAMP_ABS: 0x0990,
  TIME_STAMP_REL: 0x0991,
  DEV_AL_COND: 0x0916,
  AL_MON_P_AL_LIST: 0x0902,
  AL_MON_T_AL_LIST: 0x0904,
} as const;
/** Extended poll profile options [ML ExtendedPollProfileOptions.cs]. */
export const POLL_EXT = { PERIOD_NU_1SEC: 0x80000000, PERIOD_NU_AVG_12SEC: 0x40000000, PERIOD_NU_AVG_60SEC: 0x20000000, ENUM: 0x04000000, DYN_MODALITIES: 0x01000000 } as const;

// ---- fixed association bytes: session data and the presentation (ASN.1) prefix, as serial clients send them
//      [ML Models/SessionData.cs, PresentationHeader.cs, PresentationTrailer.cs; VSC Class2.cs aarq_msg, rlrq, abrt]
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const AARQ_SESSION_DATA = hex('05 08 13 01 00 16 01 02 80 00 14 02 00 02');
const AARQ_PRESENTATION_PREFIX = hex(`
  31 80 a0 80 80 01 01 00 00 a2 80 a0 03 00 00 01 a4 80 30 80 02 01 01 06 04 52 01 00 01 30 80 06 02 51 01 00 00 00
  00 30 80 02 01 02 06 0c 2a 86 48 ce 14 02 01 00 00 00 01 01 30 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 02 01 00 00
  00 00 00 00 61 80 30 80 02 01 01 a0 80 60 80 a1 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 03 01 00 00 be 80 28 80 06
  0c 2a 86 48 ce 14 02 01 00 00 00 01 01 02 01 02 81`);
const AARQ_TRAILER = Buffer.alloc(16);
const RELEASE_REQUEST = hex('09 18 c1 16 61 80 30 80 02 01 01 a0 80 62 80 80 01 00 00 00 00 00 00 00 00 00');
const RELEASE_RESULT = hex('0a 18 c1 16 61 80 30 80 02 01 01 a0 80 63 80 80 01 00 00 00 00 00 00 00 00 00');
const ABORT = hex(`19 2e 11 01 03 c1 29 a0 80 a0 80 30 80 02 01 01 06 02 51 01 00 00 00 00 61 80 30 80 02 01 01 a0 80 64 80
  80 01 01 00 00 00 00 00 00 00 00 00 00`);

function lengthIndicator(n: number): Buffer {
  return n < 0xff ? Buffer.from([n]) : Buffer.from([0xff, n >>> 8, n & 0xff]);
}
/** ASN.1 BER definite length. */
function berLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  return n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >>> 8, n & 0xff]);
}

export interface AssociationParams {
  /** Smallest poll period we ask for, ms (RelativeTime on the wire). */
  minPollPeriodMs: number;
  maxMtuRx: number;
  maxMtuTx: number;
  extendedPollOptions: number;
}
export const DEFAULT_ASSOCIATION: AssociationParams = {
  minPollPeriodMs: 1000,
  maxMtuRx: 1000,
  maxMtuTx: 1000,
  extendedPollOptions: POLL_EXT.PERIOD_NU_1SEC,
};

/** MDSEUserInfoStd with one NOM_POLL_PROFILE_SUPPORT profile [ML CommandMessageCreator.CreateAssociationRequest]. */
function userInfo(p: AssociationParams): Buffer {
  const ext = new ByteWriter().u32(p.extendedPollOptions).u16(0).u16(0).done(); // options + empty AttributeList
  const optPkgs = new ByteWriter().u16(1).u16(4 + ext.length).u16(NOM_ATTR_POLL_PROFILE_EXT).u16(ext.length).bytes(ext).done();
  const pps = new ByteWriter()
    .u32(0x80000000) // poll profile revision
    .u32(Math.round(p.minPollPeriodMs * 8)) // min_poll_period, 125 us ticks
    .u32(p.maxMtuRx)
    .u32(p.maxMtuTx)
    .u32(0xffffffff) // max_bw_tx: no limit
    .u32(0x60000000) // P_OPT_DYN_CREATE_OBJECTS | P_OPT_DYN_DELETE_OBJECTS
    .bytes(optPkgs)
    .done();
  return new ByteWriter()
    .u32(0x80000000) // protocol_version
    .u32(0x40000000) // nomenclature_version
    .u32(0) // functional_units
    .u32(0x80000000) // system_type: client
    .u32(0x20000000) // startup_mode: cold start
    .u16(0).u16(0) // option_list: empty
    .u16(1).u16(4 + pps.length).u16(NOM_POLL_PROFILE_SUPPORT).u16(pps.length).bytes(pps) // supported_aprofiles
    .done();
}

export function buildAssociationRequest(p: AssociationParams = DEFAULT_ASSOCIATION): Buffer {
  const ui = userInfo(p);
  const presBody = Buffer.concat([AARQ_PRESENTATION_PREFIX, berLength(ui.length), ui, AARQ_TRAILER]);
  const pres = Buffer.concat([Buffer.from([0xc1]), lengthIndicator(presBody.length), presBody]);
  const body = Buffer.concat([AARQ_SESSION_DATA, pres]);
  return Buffer.concat([Buffer.from([SPDU.CN]), lengthIndicator(body.length), body]);
}

export function buildReleaseRequest(): Buffer {
  return Buffer.from(RELEASE_REQUEST);
}

/** Release Result (DN_SPDU), the answer to a monitor's Release Request [ML PresentationHeader.ReleaseResponse]. */
export function buildReleaseResult(): Buffer {
  return Buffer.from(RELEASE_RESULT);
}

export function buildAbort(): Buffer {
  return Buffer.from(ABORT);
}

function dataExport(roType: number, ro: Buffer): Buffer {
  return new ByteWriter().u16(SESSION_ID).u16(PRESENTATION_CONTEXT_ID).u16(roType).u16(ro.length).bytes(ro).done();
}

export interface ManagedObject {
  objClass: number;
  context: number;
  handle: number;
}
export const MDS_OBJECT: ManagedObject = { objClass: OBJ.VMS_MDS, context: 0, handle: 0 };

/** MDS Create Event Result: RORS / CONFIRMED_EVENT_REPORT echoing the report's invoke id [ML SendMdsCreateEventResult]. */
export function buildMdsCreateResult(invokeId: number, obj: ManagedObject, currentTimeTicks: number): Buffer {
  const result = new ByteWriter().u16(obj.objClass).u16(obj.context).u16(obj.handle).u32(currentTimeTicks).u16(NOM_NOTI_MDS_CREAT).u16(0).done();
  const ro = new ByteWriter().u16(invokeId).u16(CMD.CONFIRMED_EVENT_REPORT).u16(result.length).bytes(result).done();
  return dataExport(RO.RESULT, ro);
}

function pollAction(invokeId: number, actionType: number, req: Buffer): Buffer {
  const action = new ByteWriter()
    .u16(MDS_OBJECT.objClass).u16(0).u16(0) // managed object: the MDS
    .u32(0) // scope
    .u16(actionType)
    .u16(req.length)
    .bytes(req)
    .done();
  const ro = new ByteWriter().u16(invokeId).u16(CMD.CONFIRMED_ACTION).u16(action.length).bytes(action).done();
  return dataExport(RO.INVOKE, ro);
}

export interface PollRequest {
  invokeId: number;
  pollNumber: number;
  objClass: number;
  attrGroup: number;
}

/** Single Poll Data Request: NOM_ACT_POLL_MDIB_DATA with PollMdibDataReq [VSC Class2.cs; ML CreateSinglePollRequest]. */
export function buildSinglePollRequest(r: PollRequest): Buffer {
  const req = new ByteWriter().u16(r.pollNumber).u16(NOM_PART_OBJ).u16(r.objClass).u16(r.attrGroup).done();
  return pollAction(r.invokeId, NOM_ACT_POLL_MDIB_DATA, req);
}

/** Extended Poll Data Request with NOM_ATTR_TIME_PD_POLL (how long the monitor keeps sending results). */
export function buildExtendedPollRequest(r: PollRequest & { periodMs: number }): Buffer {
  const req = new ByteWriter()
    .u16(r.pollNumber).u16(NOM_PART_OBJ).u16(r.objClass).u16(r.attrGroup)
    .u16(1).u16(8).u16(NOM_ATTR_TIME_PD_POLL).u16(4).u32(Math.round(r.periodMs * 8))
    .done();
  return pollAction(r.invokeId, NOM_ACT_POLL_MDIB_DATA_EXT, req);
}

// ---------------------------------------------------------------- parsing

export interface Ava {
  id: number;
  value: Uint8Array;
}
export interface ObservationPoll {
  handle: number;
  attributes: Ava[];
}
export interface ContextPoll {
  context: number;
  observations: ObservationPoll[];
}

export interface PollResult {
  kind: 'poll-result';
  invokeId: number;
  /** Present for RORLS frames: 1 first, 2 middle, 3 last. */
  linked?: { state: number; count: number };
  extended: boolean;
  pollNumber: number;
  sequenceNo?: number;
  relTimeTicks: number;
  absTime: Uint8Array;
  objClass: number;
  attrGroup: number;
  contexts: ContextPoll[];
}

export interface AssociationAccept {
  kind: 'assoc-accept';
  /** Negotiated values; undefined when the accept carried no readable poll profile. */
  minPollPeriodTicks?: number;
  maxMtuRx?: number;
  maxMtuTx?: number;
}

export interface MdsCreate {
  kind: 'mds-create';
  invokeId: number;
  managedObject: ManagedObject;
  eventTimeTicks: number;
  attributes: Ava[];
}

export type ParsedMessage =
  | AssociationAccept
  | { kind: 'assoc-refuse' }
  | { kind: 'assoc-request' }
  | { kind: 'release-request' }
  | { kind: 'release-result' }
  | { kind: 'abort' }
  | MdsCreate
  | PollResult
  | { kind: 'remote-error'; invokeId: number; errorValue: number }
  | { kind: 'other'; detail: string }
  | { kind: 'malformed'; error: string };

function readAttributeList(r: ByteReader): Ava[] {
  const count = r.u16();
  const len = r.u16();
  const s = r.sub(len);
  const out: Ava[] = [];
  for (let i = 0; i < count; i++) {
    const id = s.u16();
    const l = s.u16();
    out.push({ id, value: s.bytes(l) });
  }
  return out;
}

/** Finds MDSEUserInfoStd in an association accept by its version pair (inference: robust to header variants). */
function parseAccept(u: Uint8Array): AssociationAccept {
  for (let i = 0; i + 8 <= u.length; i++) {
    if (u[i] !== 0x80 || u[i + 1] !== 0 || u[i + 2] !== 0 || u[i + 3] !== 0) continue;
    if (u[i + 4] !== 0x40 || u[i + 5] !== 0 || u[i + 6] !== 0 || u[i + 7] !== 0) continue;
    try {
      const r = new ByteReader(u, i + 20); // versions, functional units, system type, startup mode
      readAttributeList(r); // option_list
      for (const p of readAttributeList(r)) {
        if (p.id !== NOM_POLL_PROFILE_SUPPORT) continue;
        const pr = new ByteReader(p.value);
        pr.u32();
        const minPollPeriodTicks = pr.u32();
        const maxMtuRx = pr.u32();
        const maxMtuTx = pr.u32();
        return { kind: 'assoc-accept', minPollPeriodTicks, maxMtuRx, maxMtuTx };
      }
    } catch (e) {
      if (!(e instanceof ShortInput)) throw e;
    }
    break;
  }
  return { kind: 'assoc-accept' };
}

function readPollReply(r: ByteReader, extended: boolean): Omit<PollResult, 'kind' | 'invokeId' | 'linked'> {
  const pollNumber = r.u16();
  const sequenceNo = extended ? r.u16() : undefined;
  const relTimeTicks = r.u32();
  const absTime = r.bytes(8);
  r.u16(); // polled_obj_type partition
  const objClass = r.u16();
  const attrGroup = r.u16();
  const contexts: ContextPoll[] = [];
  const nCtx = r.u16();
  const ctxLen = r.u16();
  const cs = r.sub(ctxLen);
  for (let i = 0; i < nCtx; i++) {
    const context = cs.u16();
    const nObs = cs.u16();
    const obsLen = cs.u16();
    const os = cs.sub(obsLen);
    const observations: ObservationPoll[] = [];
    for (let j = 0; j < nObs; j++) {
      const handle = os.u16();
      observations.push({ handle, attributes: readAttributeList(os) });
    }
    contexts.push({ context, observations });
  }
  const out: Omit<PollResult, 'kind' | 'invokeId' | 'linked'> = { extended, pollNumber, relTimeTicks, absTime, objClass, attrGroup, contexts };
  if (sequenceNo !== undefined) out.sequenceNo = sequenceNo;
  return out;
}

function parseDataExport(u: Uint8Array): ParsedMessage {
  const r = new ByteReader(u);
  const sessionId = r.u16();
  if (sessionId !== SESSION_ID) return { kind: 'malformed', error: `session id 0x${sessionId.toString(16)}` };
  r.u16(); // presentation context
  const roType = r.u16();
  const roLen = r.u16();
  const ro = r.sub(Math.min(roLen, r.remaining));
  if (roType === RO.ERROR) {
    const invokeId = ro.u16();
    return { kind: 'remote-error', invokeId, errorValue: ro.u16() };
  }
  let linked: { state: number; count: number } | undefined;
  if (roType === RO.LINKED_RESULT) linked = { state: ro.u8(), count: ro.u8() };
  const invokeId = ro.u16();
  const commandType = ro.u16();
  const len = ro.u16();
  const body = ro.sub(Math.min(len, ro.remaining));
  if (roType === RO.INVOKE && (commandType === CMD.CONFIRMED_EVENT_REPORT || commandType === CMD.EVENT_REPORT)) {
    const managedObject = { objClass: body.u16(), context: body.u16(), handle: body.u16() };
    const eventTimeTicks = body.u32();
    const eventType = body.u16();
    const evLen = body.u16();
    if (eventType !== NOM_NOTI_MDS_CREAT) return { kind: 'other', detail: `event 0x${eventType.toString(16)}` };
    const info = body.sub(Math.min(evLen, body.remaining));
    info.u16();
    info.u16();
    info.u16(); // MdsCreateInfo.managed_object
    return { kind: 'mds-create', invokeId, managedObject, eventTimeTicks, attributes: readAttributeList(info) };
  }
  if ((roType === RO.RESULT || roType === RO.LINKED_RESULT) && commandType === CMD.CONFIRMED_ACTION) {
    body.u16();
    body.u16();
    body.u16(); // managed object
    const actionType = body.u16();
    const aLen = body.u16();
    if (actionType !== NOM_ACT_POLL_MDIB_DATA && actionType !== NOM_ACT_POLL_MDIB_DATA_EXT) {
      return { kind: 'other', detail: `action 0x${actionType.toString(16)}` };
    }
    const reply = readPollReply(body.sub(Math.min(aLen, body.remaining)), actionType === NOM_ACT_POLL_MDIB_DATA_EXT);
    const res: PollResult = { kind: 'poll-result', invokeId, ...reply };
    if (linked) res.linked = linked;
    return res;
  }
  return { kind: 'other', detail: `ro_type ${roType} command ${commandType}` };
}

/** Parses one frame's user data. Never throws: malformed input gives `{ kind: 'malformed' }`. */
export function parseMessage(u: Uint8Array): ParsedMessage {
  if (u.length === 0) return { kind: 'malformed', error: 'empty' };
  try {
    switch (u[0]) {
      case SPDU.AC:
        return parseAccept(u);
      case SPDU.RF:
        return { kind: 'assoc-refuse' };
      case SPDU.CN:
        return { kind: 'assoc-request' };
      case SPDU.FN:
        return { kind: 'release-request' };
      case SPDU.DN:
        return { kind: 'release-result' };
      case SPDU.AB:
        return { kind: 'abort' };
      case SPDU.DATA_EXPORT:
        return parseDataExport(u);
      default:
        return { kind: 'malformed', error: `unknown SPDU 0x${(u[0] as number).toString(16)}` };
    }
  } catch (e) {
    if (e instanceof ShortInput) return { kind: 'malformed', error: `short message: ${e.message}` };
    return { kind: 'malformed', error: e instanceof Error ? e.message : String(e) };
  }
}
