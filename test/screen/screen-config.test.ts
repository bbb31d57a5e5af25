import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfig } from '../../config/load.js';

function withScreen(screen: Record<string, unknown>): { problems: string[]; screen?: Record<string, unknown> } {
  const raw = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as { screen: Record<string, unknown> };
  raw.screen = { ...raw.screen, ...screen };
  try {
    return { problems: [], screen: parseConfig(raw, 'test.yaml', {}).screen as unknown as Record<string, unknown> };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems };
    throw err;
  }
}

describe('screen display settings in the config', () => {
  it('defaults to initials, en-GB, a 24-hour clock and 8 hours of trends', () => {
    expect(withScreen({}).screen).toMatchObject({ patientDisplay: 'initials', locale: 'en-GB', hour12: false, trendHours: 8 });
    expect(withScreen({ patientDisplay: 'full', locale: 'de-DE', timeZone: 'Europe/Berlin' }).problems).toEqual([]);
  });

  it('names the bad field of a wrong patient display, locale or time zone', () => {
    expect(withScreen({ patientDisplay: 'name' }).problems.join('\n')).toMatch(/^screen\.patientDisplay: /m);
    expect(withScreen({ locale: 'not a locale!' }).problems.join('\n')).toMatch(/^screen\.locale: not a locale/m);
    expect(withScreen({ timeZone: 'Mars/Olympus' }).problems.join('\n')).toMatch(/^screen\.timeZone: not an IANA time zone/m);
    expect(withScreen({ trendHours: 0 }).problems.join('\n')).toMatch(/^screen\.trendHours: /m);
  });
});
