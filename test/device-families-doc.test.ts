import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../config/load.js';
import { serialDialectNames } from '../drivers/serial/dialects.js';

/**
 * docs/device-families.md: every YAML block is a complete, valid part of a config (parsed by the real config loader
 * with the beds it names), and every serial dialect has its section with a block that uses it.
 */
const doc = readFileSync(new URL('../docs/device-families.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/device-families.md', () => {
  it('has a YAML block per family, each one a valid config part', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      const part = parse(block) as { devices: Array<{ bed: string }> };
      const beds = [...new Set(part.devices.map((d) => d.bed))].map((id) => ({ id }));
      expect(() => parseConfig({ dataDir: '/tmp/unused', beds, sync: { enabled: false }, ...part }, 'docs/device-families.md'), block).not.toThrow();
    }
  });

  it('covers every serial dialect, with a block that uses it', () => {
    const used = new Set(blocks.flatMap((b) => [...b.matchAll(/dialect: ([\w-]+)/g)].map((m) => m[1]!)));
    for (const name of serialDialectNames()) {
      expect(doc, name).toContain(`\`dialect: ${name}\``);
      expect(used.has(name), `${name}: a YAML block uses it`).toBe(true);
    }
  });

  it('names, for every family, the monitor-side setting or says plainly that no public manual states it', () => {
    const sections = doc.split(/^## /m).slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(5);
    for (const s of sections) {
      const title = s.split('\n')[0]!;
      if (title.startsWith('NDJSON')) continue; // not a vendor output
      expect(s, title).toMatch(/\*\*Monitor( \/ central)? side:\*\*/);
      expect(s, title).toMatch(/\*\*Port( \(serial\))?:\*\*/);
      expect(s, title).toMatch(/\*\*Cable( \(serial\))?:\*\*/);
    }
  });
});
