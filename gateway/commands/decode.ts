import type { DecodeResult, Decoded } from '../../drivers/core/observation.js';
import { GATT_CODECS, isGattCodecId } from '../../drivers/ble/gatt/index.js';
import { decodeVitalsPayload } from '../../drivers/mqtt/payload.js';
import { getSerialDialect, serialDialectNames } from '../../drivers/serial/dialects.js';
import { parseHexLine } from '../../drivers/core/hex.js';

/**
 * `wardgate decode --codec NAME [--hex]`: stdin in, one NDJSON line per decoded observation or technical
 * condition out (canonical parameter names, UCUM units). A frame it cannot decode gets one line on stderr
 * naming the frame and why; the exit code is 65 at the end if any frame was bad.
 *
 * Every reading line carries the code the device sent (`code`: MDC, MDIL, NOM or the dialect's own) and its
 * channel; a numeric the parameter table does not map comes out as an unmapped line (code, label, value, unit).
 * With --hex, every codec reads hex dumps (line and byte dialects: the hex bytes of the stream, HL7 included).
 *
 * Codecs: every serial dialect of drivers/serial/dialects.ts (line dialects: one record a line; byte dialects:
 * the raw stream through the dialect's own framer; session dialects such as intellivue: the wire stream, --hex
 * for hex dumps whose frames may span lines), senml (one pack per line), json (the MQTT vitals object, one per
 * line), gatt:<characteristic> (--hex, one frame a line) for every GATT codec of drivers/ble/gatt/index.ts.
 */
export function decodeCodecNames(): string[] {
  return [...serialDialectNames(), 'senml', 'json', ...Object.keys(GATT_CODECS).map((id) => `gatt:${id}`)];
}

export interface DecodeSink {
  out(line: string): void;
  err(line: string): void;
}

/** Turns one decoded item into the NDJSON contract line. */
export function itemToJson(item: Decoded): Record<string, unknown> {
  if (item.kind === 'reading') {
    const { kind: _k, ...rest } = item;
    return rest;
  }
  const { kind: _k, ...rest } = item;
  return rest;
}

/** A streaming decoder for one codec: raw chunks and/or input lines in; `end` returns the bad-frame count. */
export interface DecodeSession {
  chunk?: (b: Buffer) => void;
  line?: (l: string) => void;
  end: () => number;
}

/** A streaming decoder for one codec: feed chunks or lines, results go to the sink. Returns the bad-frame count. */
export function createDecodeSession(codec: string, hex: boolean, sink: DecodeSink, now: () => number = Date.now): DecodeSession | undefined {
  let frame = 0;
  let bad = 0;
  const emit = (r: DecodeResult, label: string) => {
    for (const item of r.items) sink.out(JSON.stringify(itemToJson(item)));
    if (r.error) {
      bad += 1;
      sink.err(`${label}: ${r.error}`);
    }
  };

  // --hex for a stream dialect: each input line is hex bytes of the stream (a frame may span lines).
  const hexLine = (chunk: (b: Buffer) => void) => (l: string) => {
    if (l.trim() === '') return;
    const bytes = parseHexLine(l);
    if (!bytes) {
      bad += 1;
      sink.err(`input: not a hex string: ${l.slice(0, 40)}`);
      return;
    }
    chunk(Buffer.from(bytes));
  };
  const serial = getSerialDialect(codec);
  if (serial?.kind === 'line') {
    const framer = serial.createFramer();
    const decode = (lines: string[]) => {
      for (const line of lines) {
        frame += 1;
        if (line.trim() === '') continue;
        const r = serial.decodeLine(line);
        emit(r, `line ${frame}`);
        for (const a of r.deviceAlarms ?? []) sink.out(JSON.stringify({ deviceAlarm: a }));
      }
    };
    const chunk = (b: Buffer) => decode(framer.push(b));
    return {
      chunk,
      ...(hex ? { line: hexLine(chunk) } : {}),
      end: () => {
        decode(framer.flush());
        if (framer.stats.overlong > 0) {
          bad += framer.stats.overlong;
          sink.err(`${framer.stats.overlong} overlong line(s) dropped (over ${serial.maxLineBytes} bytes)`);
        }
        return bad;
      },
    };
  }
  if (serial?.kind === 'bytes') {
    const framer = serial.createFramer();
    const decode = (frames: Buffer[]) => {
      for (const f of frames) {
        frame += 1;
        const r = serial.decodeFrame(f);
        emit(r, `message ${frame}`);
        for (const a of r.deviceAlarms ?? []) sink.out(JSON.stringify({ deviceAlarm: a }));
      }
    };
    const chunk = (b: Buffer) => decode(framer.push(b));
    return { chunk, ...(hex ? { line: hexLine(chunk) } : {}), end: () => (decode(framer.flush()), bad) };
  }
  if (serial?.kind === 'session') {
    const decoder = serial.createDecoder();
    let line = 0;
    const handle = (results: ReturnType<typeof decoder.push>) => {
      for (const r of results) {
        frame += 1;
        emit(r, `frame ${frame} (input line ${line})`);
        for (const a of r.deviceAlarms ?? []) sink.out(JSON.stringify({ deviceAlarm: a }));
      }
    };
    return {
      line: (l: string) => {
        line += 1;
        if (hex) handle(decoder.pushHex(l));
      },
      chunk: (b: Buffer) => handle(decoder.push(b)),
      end: () => bad,
    };
  }
  if (codec.startsWith('gatt:')) {
    const id = codec.slice(5).toLowerCase();
    if (!isGattCodecId(id)) return undefined;
    const decode = GATT_CODECS[id];
    return {
      line: (l: string) => {
        frame += 1;
        if (l.trim() === '') return;
        const bytes = parseHexLine(l);
        if (!bytes) {
          bad += 1;
          sink.err(`line ${frame}: not a hex string`);
          return;
        }
        emit(decode(new Uint8Array(bytes)), `line ${frame}`);
      },
      end: () => bad,
    };
  }
  if (codec === 'senml' || codec === 'json') {
    return {
      line: (l: string) => {
        frame += 1;
        if (l.trim() === '') return;
        const trimmed = l.trim();
        if (codec === 'senml' && !trimmed.startsWith('[')) {
          bad += 1;
          sink.err(`line ${frame}: a SenML pack must be a JSON array`);
          return;
        }
        emit(decodeVitalsPayload(trimmed, now()), `line ${frame}`);
      },
      end: () => bad,
    };
  }
  return undefined;
}

export async function runDecode(codec: string | undefined, hex: boolean): Promise<number> {
  if (!codec) {
    process.stderr.write(`usage: wardgate decode --codec NAME [--hex]\ncodecs: ${decodeCodecNames().join(', ')}\n`);
    return 64;
  }
  const sink: DecodeSink = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  const session = createDecodeSession(codec, hex, sink);
  if (!session) {
    process.stderr.write(`wardgate decode: unknown codec '${codec}'; one of ${decodeCodecNames().join(', ')}\n`);
    return 64;
  }
  const lineMode = session.line !== undefined && (hex || session.chunk === undefined || codec === 'senml' || codec === 'json');
  if (lineMode) {
    const { stdinLines } = await import('./stdin-lines.js');
    for await (const l of stdinLines()) session.line!(l);
  } else {
    for await (const chunk of process.stdin) session.chunk!(chunk as Buffer);
  }
  const bad = session.end();
  return bad > 0 ? 65 : 0;
}
