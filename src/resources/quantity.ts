/** Binary units a byte quantity may use, largest first, as the API server prints them. */
const binaryUnits: ReadonlyArray<[suffix: string, mebibytes: number]> = [
  ["Pi", 1024 ** 3],
  ["Ti", 1024 ** 2],
  ["Gi", 1024],
  ["Mi", 1],
];

/** Mebibytes of a size like `2G`, `512M`, `10Gi` or `1Ti` (M/G read as Mi/Gi, as the JVM does); undefined otherwise. */
export function parseMebibytes(size: string): number | undefined {
  const m = /^(\d+)(M|G|T|Mi|Gi|Ti)$/.exec(size);
  if (!m) return undefined;
  const factor = { M: 1, G: 1024, T: 1024 ** 2, Mi: 1, Gi: 1024, Ti: 1024 ** 2 }[m[2] as "M"];
  return Number(m[1]) * factor;
}

/**
 * A whole number of mebibytes as the API server prints the quantity: the
 * largest binary unit that divides it (`2560Mi`, `3Gi`, `1Ti`), so that
 * compare-before-write sees the same string the server returns.
 */
export function formatMebibytes(mebibytes: number): string {
  if (!Number.isInteger(mebibytes) || mebibytes <= 0)
    throw new Error(`not a positive whole MiB count: ${mebibytes}`);
  for (const [suffix, size] of binaryUnits) {
    if (mebibytes % size === 0) return `${mebibytes / size}${suffix}`;
  }
  return `${mebibytes}Mi`;
}

/** The pattern a CPU quantity parameter must match: `500m`, `2`, `0.5`, `1.25`. */
export const cpuPattern = "^(\\d+m|\\d+(\\.\\d{1,3})?)$";

/**
 * A CPU quantity (`0.5`, `1500m`, `2`) as the API server prints it: whole
 * cores as an integer (`2`), anything else in millicores (`500m`).
 * Throws on a string that does not match {@link cpuPattern}.
 */
export function canonicalCpu(cpu: string): string {
  if (!new RegExp(cpuPattern).test(cpu)) throw new Error(`not a CPU quantity: ${cpu}`);
  const milli = cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
