/**
 * One line of hex as tools and captures write it: spaces, colons, commas and `0x` prefixes allowed.
 * Returns undefined when the line is not whole bytes of hex.
 */
export function parseHexLine(line: string): Buffer | undefined {
  const clean = line.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) return undefined;
  return Buffer.from(clean, 'hex');
}
