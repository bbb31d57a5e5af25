/** Placeholder replaced below once codec registries are merged. */
export async function runDecode(_codec: string | undefined, _hex: boolean): Promise<number> {
  return 64;
}
