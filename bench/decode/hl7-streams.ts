/**
 * HL7 byte streams for the decode bench, each MLLP-framed (VT message FS CR) as a serial port or the MLLP listener
 * receives it, built from the real-source fixtures in test/fixtures/captures/ (their provenance in PROVENANCE.md
 * there) and the shared message builders of drivers/serial/hl7/fixtures.ts. Each function returns one copy of the
 * stream's cycle; the bench repeats it.
 */
import { readFileSync } from 'node:fs';
import { pcd01Message, pcd04Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';

const capture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/captures/${name}`, import.meta.url));

export const repeat = (cycle: Buffer, copies: number): Buffer => Buffer.concat(Array.from({ length: copies }, () => cycle));

/**
 * The Philips IntelliVue Information Center capture (philips-iic-hl7-export.hl7): 101 ORU^R01 with MDIL-coded rows
 * and MDIL-ALERT alarm rows, 4 NMD keep-alives, and the CR LF the capture wrote between blocks, byte for byte except
 * MSH-11: the capture's demo beds send T (training), which the decoder refuses unread, so each ORU^R01's MSH-11 is
 * set to P as a production Information Center sends it (the NMD keep-alives already say P) (the same one-byte change drivers/serial/hl7/philips-iic.test.ts
 * makes to decode a bed as production data).
 */
export function iicCaptureCycle(): Buffer {
  const text = capture('philips-iic-hl7-export.hl7').toString('latin1');
  let changed = 0;
  const production = text.replace(/(\x0bMSH(?:\|[^|\r]*){9})\|T\|/g, (_m, head: string) => {
    changed++;
    return `${head}|P|`;
  });
  if (changed !== 101 || production.length !== text.length) throw new Error(`philips-iic: MSH-11 set in ${changed} of the 101 ORU^R01 blocks`);
  return Buffer.from(production, 'latin1');
}

/**
 * The Efficia CM ORF^R04 example of its Data Export Guide (philips-efficia-cm-orf-r04-manual-example.txt), read back
 * as the guide says (p. 3-10: line breaks are for display, `<CR>` is the carriage return), MLLP-framed.
 */
export function efficiaOrfCycle(): Buffer {
  const text = capture('philips-efficia-cm-orf-r04-manual-example.txt').toString('utf8');
  return encodeMllp(text.replace(/\n/g, '').replace(/<CR>/g, '\r'));
}

/**
 * The GE B40/B20 HL7 reference manual's segments (ge-b40-hl7-manual-excerpts.txt): the rendering's wrapped lines
 * joined back (a line that does not begin a segment continues the one before), then two messages, Example 1's header
 * (p. 19) with the page-15 rows and with the page-24 rows, as drivers/serial/hl7/ge-manual.test.ts decodes them.
 */
export function geB40Cycle(): Buffer {
  const text = capture('ge-b40-hl7-manual-excerpts.txt').toString('utf8');
  const pages = text
    .split(/^# .*\n/m)
    .filter((e) => e.trim() !== '')
    .map((page) => {
      const segments: string[] = [];
      for (const line of page.split('\n').filter((l) => l !== '')) {
        if (/^[A-Z][A-Z0-9]{2}\|/.test(line) || segments.length === 0) segments.push(line);
        else segments[segments.length - 1] += line;
      }
      return segments;
    });
  const [header, page15, page24] = pages;
  if (!header || !page15 || !page24 || header.length !== 5) throw new Error('ge-b40: the excerpts file is not the three pages expected');
  return Buffer.concat([page15, page24].map((rows) => encodeMllp([...header, ...rows].join('\r') + '\r')));
}

/** Messages kept one segment a line (a blank line between messages), as HL7 sends them: CR after each segment. */
function lineMessages(name: string): string[] {
  return capture(name)
    .toString('utf8')
    .split(/\n\s*\n/)
    .filter((m) => m.trim() !== '')
    .map((m) => `${m.trim().split('\n').join('\r')}\r`);
}

/** The Mindray eGateway capture (mindray-egateway.hl7): its ORU^R40 lead-off report and its ORU^R01 waveform message. */
function mindrayCapture(): { r40: string; waveform: string } {
  const [r40, waveform] = lineMessages('mindray-egateway.hl7');
  if (!r40?.includes('|ORU^R40^') || !waveform?.includes('|ORU^R01^')) throw new Error('mindray: the capture is not the R40 and R01 expected');
  return { r40, waveform };
}

/**
 * The Mindray VS-900's PCD-01 message (mindray-vs900-pcd01.hl7: SpO2, pleth pulse, the cuff pressures under the
 * older MDC_PRESS_CUFF terms, MDC_BLD_PERF_INDEX unmapped; every row OBX-8 DEMO), segments joined with CR as
 * drivers/serial/hl7/mindray-vs900.test.ts reads it, MLLP-framed.
 */
export function mindrayVs900Cycle(): Buffer {
  const [vs900] = lineMessages('mindray-vs900-pcd01.hl7');
  if (!vs900?.includes('|ORU^R01^')) throw new Error('mindray-vs900: not the ORU^R01 expected');
  return encodeMllp(vs900);
}

/** Mindray's two published messages in turn: the eGateway's R40 lead-off report, then the VS-900's numerics. */
export function mindrayCycle(): Buffer {
  return Buffer.concat([encodeMllp(mindrayCapture().r40), mindrayVs900Cycle()]);
}

/**
 * The IHE DEV TF-2 Appendix E.1.1 and E.1.2 PCD-01 examples (ihe-dev-tf2-pcd01-examples.hl7), verbatim, segments
 * joined with CR as drivers/serial/hl7/ihe-tf2-examples.test.ts reads them, MLLP-framed.
 */
export function iheTf2Cycle(): Buffer {
  const messages = lineMessages('ihe-dev-tf2-pcd01-examples.hl7');
  if (messages.length !== 2) throw new Error(`ihe-tf2: ${messages.length} messages, not the 2 expected`);
  return Buffer.concat(messages.map((m) => encodeMllp(m)));
}

/** The capture's continuous-waveform ORU^R01 (ECG and pleth NA rows with their attribute rows): no readings in it. */
export function mindrayWaveformCycle(): Buffer {
  return encodeMllp(mindrayCapture().waveform);
}

/**
 * IHE PCD-04 alert reports (ORU^R40, drivers/serial/hl7/fixtures.ts pcd04Message, shaped like the IHE PCD TF-2
 * section 3.4 examples and the Mindray capture): physiological and technical alarms of each priority starting,
 * continuing and ending, and the Mindray capture's own report.
 */
export function r40Cycle(): Buffer {
  const reports = [
    pcd04Message({ controlId: 'A1', event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', priority: 'PH', type: 'SP' }),
    pcd04Message({ controlId: 'A2', event: '196680^MDC_EVT_LEAD_OFF^MDC', at: '1.1.1.196680', priority: 'PL', type: 'ST' }),
    pcd04Message({ controlId: 'A3', event: '^MDC_EVT_LO_VAL_LT_LIM^MDC', at: '1.1.1.150456', priority: 'PM', type: 'SP' }),
    pcd04Message({ controlId: 'A4', event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', phase: 'continue' }),
    pcd04Message({ controlId: 'A5', event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', phase: 'end', state: 'inactive' }),
    pcd04Message({ controlId: 'A6', event: '196680^MDC_EVT_LEAD_OFF^MDC', at: '1.1.1.196680', priority: 'PL', type: 'ST', phase: 'end', state: 'inactive' }),
    mindrayCapture().r40,
  ];
  return Buffer.concat(reports.map((m) => encodeMllp(m)));
}

/** The PCD-01 message of drivers/serial/hl7/fixtures.ts (eight vital signs), `bed` varying. */
export function pcd01Cycle(messages: number): Buffer {
  return Buffer.concat(Array.from({ length: messages }, (_, i) => encodeMllp(pcd01Message({ controlId: `C${i}`, bed: `BED-${i % 24}` }))));
}

/** An ICU PCD-01 message: invasive pressures, PA, CVP, EtCO2, PVC, a vendor (MDIL) code, an unmapped code, an alarm row. */
export function icuCycle(messages: number): Buffer {
  const obx = [
    'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|96|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    'OBX|2|NM|148065^MDC_ECG_V_P_C_CNT^MDC|1.1.1.148065|4|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    'OBX|3|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1.150037|112|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|4|NM|150038^MDC_PRESS_BLD_ART_ABP_DIA^MDC|1.2.1.150038|61|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|5|NM|150039^MDC_PRESS_BLD_ART_ABP_MEAN^MDC|1.2.1.150039|78|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|6|NM|150045^MDC_PRESS_BLD_ART_PULM_SYS^MDC|1.3.1.150045|34|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|7|NM|150047^MDC_PRESS_BLD_ART_PULM_MEAN^MDC|1.3.1.150047|22|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|8|NM|150087^MDC_PRESS_BLD_VEN_CENT_MEAN^MDC|1.4.1.150087|11|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|9|NM|151728^MDC_AWAY_CO2_ET^MDC|1.5.1.151728|36|266016^MDC_DIM_MMHG^MDC|||||F',
    'OBX|10|NM|0002-5012^awRR^MDIL|1.5.1|14|rpm|||||F',
    'OBX|11|NM|152872^MDC_CONC_MAC^MDC|1.6.1.152872|0.8|262688^MDC_DIM_PERCENT^MDC|||||F',
    'OBX|12|CWE|^MDC_EVT_ECG_V_P_C_RUN^MDC|1.1.1.1|^PVC run|||PM~SP|||F',
  ];
  return Buffer.concat(Array.from({ length: messages }, (_, i) => encodeMllp(pcd01Message({ controlId: `I${i}`, bed: `ICU-${i % 12}`, obx }))));
}
