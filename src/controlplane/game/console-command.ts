import type { FieldProblem } from "../../api/validate.ts";

/** The longest console command accepted, in UTF-8 bytes. */
export const maxConsoleCommandBytes = 1024;

/**
 * The problems of a console command (paths `/command`), empty when it may be
 * sent: a non-empty string of at most {@link maxConsoleCommandBytes} UTF-8
 * bytes with no control characters (so no newline can smuggle in a second
 * command). Pure.
 */
export function consoleCommandProblems(command: unknown): FieldProblem[] {
  const at = (message: string): FieldProblem[] => [{ path: "/command", message }];
  if (typeof command !== "string") return at("must be a string");
  if (command.trim() === "") return at("must not be empty");
  if (Buffer.byteLength(command, "utf8") > maxConsoleCommandBytes) {
    return at(`must be at most ${maxConsoleCommandBytes} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(command)) {
    return at("must not contain control characters or line breaks");
  }
  return [];
}

/** The words of a valid command, as the console command's arguments (`say hello` → `["say", "hello"]`). */
export function consoleWords(command: string): string[] {
  return command.trim().split(/\s+/);
}
