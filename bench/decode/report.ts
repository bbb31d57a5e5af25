/**
 * What a decode bench prints: one Markdown table of every stream (its figure beside the target, and the counts of
 * one pass), then one `figure:` line per stream, which `npm run bench` (bench/run-all.ts) turns into rows of its
 * summary table. The figure lines are the one interface between a decode bench and the summary.
 */
import type { Measured } from './measure.js';

const FIGURE = 'figure: ';
const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a');

/** 'met', 'NOT MET' or 'reference' for one measured stream. */
export function verdictOf(m: Measured): 'met' | 'NOT MET' | 'reference' {
  if (m.stream.target === undefined) return 'reference';
  return m.perCpuS >= m.stream.target ? 'met' : 'NOT MET';
}

const targetText = (m: Measured): string =>
  m.stream.target === undefined ? 'reference' : `>= ${int(m.stream.target)} ${m.stream.counted} per CPU-second`;

export function decodeTable(rows: readonly Measured[]): string {
  const head = [
    '| stream | counted | per CPU-second | target | result | one pass: frames, mapped + unmapped readings, conditions, device alarms | frames per CPU-second | per wall second | CPU s / wall s (passes) |',
    '| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: |',
  ];
  const body = rows.map((m) => {
    const p = m.perPass;
    const pass = `${int(p.frames)} frames, ${int(p.mapped)} + ${int(p.unmapped)} readings, ${int(p.conditions)} conditions, ${int(p.alarms)} alarms${p.errors ? `, ${p.errors} errors` : ''}`;
    return `| ${m.stream.name} | ${m.stream.counted} | ${int(m.perCpuS)} | ${targetText(m)} | ${verdictOf(m)} | ${pass} | ${int(m.framesPerCpuS)} | ${int(m.perWallS)} | ${m.cpuS.toFixed(2)} / ${m.wallS.toFixed(2)} (${m.passes}) |`;
  });
  return [...head, ...body].join('\n');
}

export function sourcesList(rows: readonly Measured[]): string {
  return rows.map((m) => `- ${m.stream.name}: ${m.stream.source}${m.stream.note ? `. Reference row: ${m.stream.note}` : ''}`).join('\n');
}

/** One line per stream for the summary: `figure: <figure> | <measured> | <target> | <result>`. */
export function figureLines(bench: string, rows: readonly Measured[]): string {
  return rows
    .map((m) => {
      const p = m.perPass;
      const measured = `${int(m.perCpuS)} ${m.stream.counted}/CPU-s (one pass: ${int(p.mapped)} mapped + ${int(p.unmapped)} unmapped readings, ${int(p.alarms)} device alarms)`;
      return `${FIGURE}decode ${m.stream.name} (\`bench/${bench}\`) | ${measured} | ${targetText(m)} | ${verdictOf(m)}`;
    })
    .join('\n');
}

export interface FigureRow {
  figure: string;
  measured: string;
  target: string;
  result: 'met' | 'NOT MET' | 'reference';
}

/** The summary rows a bench's output carries, from its `figure:` lines. */
export function parseFigureLines(output: string): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith(FIGURE)) continue;
    const [figure, measured, target, result, ...rest] = line.slice(FIGURE.length).split(' | ');
    if (figure === undefined || measured === undefined || target === undefined || rest.length > 0) continue;
    if (result !== 'met' && result !== 'NOT MET' && result !== 'reference') continue;
    rows.push({ figure, measured, target, result });
  }
  return rows;
}
