/** What a {@link Redactor} writes in place of a secret value. */
export const redactedMarker = "[redacted]";

/** Values shorter than this are not redacted: they would blank out ordinary words and numbers. */
export const minRedactedLength = 4;

/**
 * Keeps secret values out of text meant for people (Event notes, condition messages, logs).
 * Every registered value of at least {@link minRedactedLength} characters is replaced, wherever
 * it occurs, by `[redacted]` in one left-to-right pass that prefers the longest value at each
 * position, so a value containing another is removed whole and the marker itself is never
 * rewritten.
 */
export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret value; shorter values than {@link minRedactedLength} are ignored. */
  register(secretValue: string): void {
    if (secretValue.length < minRedactedLength || this.#values.has(secretValue)) return;
    this.#values.add(secretValue);
    this.#pattern = undefined;
  }

  /** `text` with every registered value replaced by `[redacted]`. */
  redact(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= new RegExp(
      [...this.#values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("|"),
      "g",
    );
    return text.replace(this.#pattern, redactedMarker);
  }
}
