import { describe, expect, it } from 'vitest';
import { decodeTemperatureMeasurement } from '../ble/gatt/temperature-measurement.js';
import { decodeHl7 } from '../serial/hl7/oru.js';
import { pcd01Message } from '../serial/hl7/fixtures.js';
import type { Reading } from './observation.js';
import { withTemperatureSite } from './temperature-site.js';

const temp = (value: number, extra: Partial<Reading> = {}): Reading => ({ param: 'temp', value, unit: 'Cel', ...extra });
const readings = (items: ReturnType<typeof decodeHl7>['items']) => items.filter((i) => i.kind === 'reading');

describe('temperature sites: only core/body sites are body temperature', () => {
  it('a site from the source wins; a reading without one takes the device\'s configured site', () => {
    expect(withTemperatureSite(temp(36.9, { site: 'tympanic' }), 'skin')).toMatchObject({ param: 'temp', site: 'tympanic' });
    expect(withTemperatureSite(temp(33, { site: 'finger' }), 'body')).toMatchObject({ param: 'tskin', site: 'finger' });
    expect(withTemperatureSite(temp(33), 'skin')).toMatchObject({ param: 'tskin', site: 'skin' });
    expect(withTemperatureSite(temp(37), 'body')).toMatchObject({ param: 'temp', site: 'body' });
    const hr: Reading = { param: 'hr', value: 70, unit: '/min' };
    expect(withTemperatureSite(hr, 'skin')).toBe(hr);
  });

  it('HL7 MDC_TEMP_SKIN is skin temperature, MDC_TEMP_TYMP body temperature, each with its site', () => {
    const d = decodeHl7(pcd01Message({ obx: [
      'OBX|1|NM|150388^MDC_TEMP_SKIN^MDC|1.4.1.150388|33.0|268192^MDC_DIM_DEGC^MDC|||||R',
      'OBX|2|NM|^MDC_TEMP_TYMP^MDC|1.4.2|37.2|268192^MDC_DIM_DEGC^MDC|||||R',
    ] }));
    expect(readings(d.items)).toMatchObject([{ param: 'tskin', value: 33, site: 'skin' }, { param: 'temp', value: 37.2, site: 'tympanic' }]);
  });

  it('Bluetooth Temperature Type finger, toe and ear(lobe) are skin temperature; mouth is body', () => {
    // flags 0x04 (type present), FLOAT 33.0 Cel (mantissa 330, exponent -1), type
    const frame = (type: number) => Uint8Array.from([0x04, 0x4a, 0x01, 0x00, 0xff, type]);
    for (const [type, site] of [[4, 'finger'], [8, 'toe'], [3, 'earlobe']] as const) {
      expect(readings(decodeTemperatureMeasurement(frame(type)).items)[0], site).toMatchObject({ param: 'tskin', value: 33, site });
    }
    expect(readings(decodeTemperatureMeasurement(frame(6)).items)[0]).toMatchObject({ param: 'temp', site: 'oral' });
  });
});
