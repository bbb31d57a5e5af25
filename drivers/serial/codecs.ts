import { LineFramer } from '../core/line-framer.js';
import type { DecodeResult } from '../core/observation.js';
import { Hl7StreamFramer } from './hl7/stream-framer.js';
import { decodeHl7 } from './hl7/oru.js';
import { decodeMasimoLine } from './masimo/codec.js';
import { decodeNdjsonLine } from './ndjson/codec.js';

/**
 * The serial dialects by name, for the serial driver and the `wardgate decode` tool.
 *  - 'line' codecs take one text line (the framer splits at CR/LF and caps the length);
 *  - 'bytes' codecs take one frame cut by their own framer from the raw byte stream.
 */
export interface LineCodec {
  kind: 'line';
  name: string;
  /** Longest accepted line in bytes. */
  maxLineBytes: number;
  encoding: BufferEncoding;
  createFramer(): LineFramer;
  decodeLine(line: string): DecodeResult;
}

export interface ByteFramer {
  push(chunk: Buffer): Buffer[];
  /** End of input (or idle): returns what a self-delimiting framer still holds. */
  flush(): Buffer[];
}

export interface ByteCodec {
  kind: 'bytes';
  name: string;
  maxFrameBytes: number;
  createFramer(): ByteFramer;
  decodeFrame(frame: Buffer): DecodeResult;
}

export type SerialCodec = LineCodec | ByteCodec;
export type SerialDialect = 'masimo' | 'hl7' | 'ndjson';

function lineCodec(name: string, maxLineBytes: number, encoding: BufferEncoding, decodeLine: (l: string) => DecodeResult): LineCodec {
  return { kind: 'line', name, maxLineBytes, encoding, decodeLine, createFramer: () => new LineFramer({ maxLineBytes, encoding }) };
}

export const SERIAL_CODECS: Readonly<Record<SerialDialect, SerialCodec>> = {
  masimo: lineCodec('masimo', 512, 'latin1', decodeMasimoLine),
  ndjson: lineCodec('ndjson', 4096, 'utf8', decodeNdjsonLine),
  hl7: {
    kind: 'bytes',
    name: 'hl7',
    maxFrameBytes: 256 * 1024,
    createFramer: () => new Hl7StreamFramer({ maxFrameBytes: 256 * 1024 }),
    decodeFrame: (frame) => decodeHl7(frame),
  },
};

export function isSerialDialect(name: string): name is SerialDialect {
  return Object.prototype.hasOwnProperty.call(SERIAL_CODECS, name);
}

export function getSerialCodec(name: string): SerialCodec | undefined {
  return isSerialDialect(name) ? SERIAL_CODECS[name] : undefined;
}
