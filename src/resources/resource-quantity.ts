const decimal: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const binary: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes quantity in base units (cores, bytes, counts):
 * `500m` → 0.5, `2Gi` → 2147483648, `1e3` → 1000, `1.5k` → 1500.
 * Undefined for anything that is not a quantity.
 */
export function parseQuantity(quantity: string | number | undefined): number | undefined {
  if (typeof quantity === "number") return quantity;
  if (quantity === undefined) return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    quantity.trim(),
  );
  if (!m) return undefined;
  const [, number = "0", exponent, suffix = ""] = m;
  if (exponent) return Number(`${number}${exponent}`);
  return Number(number) * (binary[suffix] ?? decimal[suffix] ?? 1);
}

/** A byte count for people: `1.5Gi`, `512Mi`, `900` (bytes). */
export function formatBytes(bytes: number): string {
  for (const [suffix, size] of [
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${suffix}`;
  }
  return String(bytes);
}
