import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A small JSON Schema (draft 2020-12) validator for the subset the wire contract in sync/schema/ uses:
 * type, const, enum, required, properties, additionalProperties (boolean or schema), items, minimum, maximum,
 * minLength, maxLength, pattern, minItems, oneOf, anyOf, $ref to "#/$defs/<name>". Unknown keywords ($id,
 * title, description, examples, format) are annotations and ignored. It never throws on bad input.
 */
export type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: JsonType | JsonType[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  [annotation: string]: unknown;
};

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface SchemaError {
  path: string;
  message: string;
}

function typeOf(v: unknown): JsonType | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'object') return typeof v as JsonType;
  return 'undefined';
}

function typeMatches(want: JsonType, v: unknown): boolean {
  const t = typeOf(v);
  if (want === 'number') return t === 'number' || t === 'integer';
  return t === want;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function validate(schema: JsonSchema, value: unknown, root: JsonSchema = schema, path = ''): SchemaError[] {
  const errors: SchemaError[] = [];
  const at = path || '/';
  if (schema.$ref !== undefined) {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? root.$defs?.[m[1]!] : undefined;
    if (!target) return [{ path: at, message: `unresolvable $ref ${schema.$ref}` }];
    errors.push(...validate(target, value, root, path));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) return [...errors, { path: at, message: `must be ${types.join(' or ')}` }];
  }
  if ('const' in schema && !deepEqual(schema.const, value)) errors.push({ path: at, message: `must be ${JSON.stringify(schema.const)}` });
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) errors.push({ path: at, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push({ path: at, message: `must be >= ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum) errors.push({ path: at, message: `must be <= ${schema.maximum}` });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push({ path: at, message: `must have at least ${schema.minLength} characters` });
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push({ path: at, message: `must have at most ${schema.maxLength} characters` });
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) errors.push({ path: at, message: `must match ${schema.pattern}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push({ path: at, message: `must have at least ${schema.minItems} items` });
    if (schema.items) value.forEach((item, i) => errors.push(...validate(schema.items!, item, root, `${path}/${i}`)));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push({ path: `${path}/${k}`, message: 'is required' });
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) errors.push(...validate(sub, v, root, `${path}/${k}`));
      else if (schema.additionalProperties === false) errors.push({ path: `${path}/${k}`, message: 'is not allowed' });
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties, v, root, `${path}/${k}`));
    }
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validate(s, value, root, path).length === 0)) errors.push({ path: at, message: 'matches none of anyOf' });
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => validate(s, value, root, path).length === 0).length;
    if (passing !== 1) errors.push({ path: at, message: `must match exactly one of oneOf (matched ${passing})` });
  }
  return errors;
}

/** The wire contract's schema files, by message kind. */
export const SCHEMA_FILES = {
  'incident-event': 'incident-event.v1.json',
  'incident-batch': 'incident-batch.v1.json',
  heartbeat: 'heartbeat.v1.json',
  status: 'status.v1.json',
  'incident-status': 'incident-status.v1.json',
  admission: 'admission.v1.json',
} as const;

export type SchemaName = keyof typeof SCHEMA_FILES;

const cache = new Map<SchemaName, JsonSchema>();

/** Loads `sync/schema/<name>.v1.json` (beside the source, or copied beside dist/). */
export function loadSchema(name: SchemaName): JsonSchema {
  let s = cache.get(name);
  if (!s) {
    s = JSON.parse(readFileSync(fileURLToPath(new URL(`./schema/${SCHEMA_FILES[name]}`, import.meta.url)), 'utf8')) as JsonSchema;
    cache.set(name, s);
  }
  return s;
}

export function validateMessage(name: SchemaName, value: unknown): SchemaError[] {
  return validate(loadSchema(name), value);
}
