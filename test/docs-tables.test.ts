import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bleProfiles } from '../drivers/ble/profiles.js';
import { PARAM_NAMES, PARAMETERS } from '../drivers/core/parameters.js';
import { serialDialects } from '../drivers/serial/dialects.js';
import { upstreamTransports } from '../sync/transports.js';

/**
 * The docs' tables of the extension points are derived from the registries: each table between
 * `<!-- table:NAME -->` and `<!-- /table -->` must equal what the registry renders (on failure the expected
 * table is printed, ready to paste).
 */
const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

function tableIn(text: string, name: string): string {
  const m = new RegExp(`<!-- table:${name} -->\\n([\\s\\S]*?)<!-- /table -->`).exec(text);
  if (!m?.[1]) throw new Error(`no <!-- table:${name} --> block`);
  return m[1].trimEnd();
}

function render(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const architecture = doc('architecture.md');

describe('docs tables equal their registries', () => {
  it('serial dialects (docs/architecture.md)', () => {
    const expected = render(
      ['dialect', 'kind', 'what'],
      serialDialects().map((d) => [`\`${d.name}\``, d.kind, d.summary]),
    );
    expect(tableIn(architecture, 'serial-dialects'), `expected:\n${expected}`).toBe(expected);
  });

  it('parameters (docs/architecture.md)', () => {
    const expected = render(
      ['parameter', 'label', 'unit (UCUM)', 'LOINC', 'MDC'],
      PARAM_NAMES.map((n) => {
        const p = PARAMETERS[n];
        return [`\`${n}\``, p.label, p.unit, p.loinc ?? '', `${p.mdcRef} (${p.mdc})`];
      }),
    );
    expect(tableIn(architecture, 'parameters'), `expected:\n${expected}`).toBe(expected);
  });

  it('upstream transports (docs/architecture.md)', () => {
    const expected = render(
      ['transport', 'settings', 'what'],
      upstreamTransports().map((t) => [`\`${t.name}\``, t.settingsKey ? `\`sync.${t.settingsKey}\`` : '—', t.summary]),
    );
    expect(tableIn(architecture, 'upstream-transports'), `expected:\n${expected}`).toBe(expected);
  });

  it('BLE profiles (docs/ble.md): one row per profile, in order, with its service', () => {
    const rows = doc('ble.md')
      .split('\n')
      .filter((l) => /^\| `[a-z0-9-]+` \| 0x[0-9A-F]{4} /.test(l))
      .map((l) => /^\| `([a-z0-9-]+)` \| 0x([0-9A-F]{4}) /.exec(l)!.slice(1));
    expect(rows).toEqual(bleProfiles().map((p) => [p.name, p.service16.toUpperCase()]));
  });
});
