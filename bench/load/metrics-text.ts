/** The value of one sample in Prometheus exposition text (`name{labels} value`), undefined when absent. */
export function metricValue(text: string, nameWithLabels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${nameWithLabels} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}
