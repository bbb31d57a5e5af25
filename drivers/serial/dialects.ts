import { ansarBDialect } from './ansar-b/codec.js';
import type { SerialDialect } from './dialect.js';
import { hl7Dialect } from './hl7/dialect.js';
import { intellivueDialect } from './intellivue/codec.js';
import { masimoDialect } from './masimo/codec.js';
import { ndjsonDialect } from './ndjson/codec.js';

export type { ByteDialect, ByteFramer, FrameExchange, LineDialect, PortPoll, SerialDialect, SessionDialect } from './dialect.js';

/**
 * The serial dialects: the one list. The config schema (`serial.dialect`), `wardgate decode --codec`, the
 * simulator's checks and the docs' table are derived from it. Adding a dialect: its codec file exporting a
 * dialect object, its test, and one line here (docs/architecture.md, "Add a serial dialect").
 */
const BUILT_IN: readonly SerialDialect[] = [
  masimoDialect,
  hl7Dialect,
  ndjsonDialect,
  intellivueDialect,
  ansarBDialect,
];

const registry = new Map<string, SerialDialect>(BUILT_IN.map((d) => [d.name, d]));

/** Adds a dialect at run time (tests and fixtures; built-in dialects belong in the list above). */
export function registerSerialDialect(dialect: SerialDialect): () => void {
  if (registry.has(dialect.name)) throw new Error(`serial dialect '${dialect.name}' is already registered`);
  registry.set(dialect.name, dialect);
  return () => registry.delete(dialect.name);
}

export function serialDialectNames(): string[] {
  return [...registry.keys()];
}

export function serialDialects(): SerialDialect[] {
  return [...registry.values()];
}

export function isSerialDialect(name: string): boolean {
  return registry.has(name);
}

export function getSerialDialect(name: string): SerialDialect | undefined {
  return registry.get(name);
}
