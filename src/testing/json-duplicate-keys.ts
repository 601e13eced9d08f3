/**
 * Finds keys written twice in one JSON object of a JSON text. `JSON.parse` keeps the last of two
 * equal keys silently, so a log line `{"logger":"a","logger":"b"}` parses fine and loses a value;
 * log stores and `jq` disagree about which one wins. This scans the text itself.
 */

/**
 * The keys that occur more than once in one object, as JSON pointers of that object plus the key
 * (`/logger`, `/err/type`); empty when there are none. Throws on text that is not JSON.
 */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[at] !== char) throw new Error(`expected ${char} at ${at} in ${text.slice(0, 80)}`);
    at++;
  };
  const string = (): string => {
    skipSpace();
    const start = at;
    if (text[at] !== '"') throw new Error(`expected a string at ${at}`);
    for (at++; text[at] !== '"'; at++) {
      if (at >= text.length) throw new Error("unterminated string");
      if (text[at] === "\\") at++;
    }
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (path: string): void => {
    skipSpace();
    const char = text[at];
    if (char === "{") {
      at++;
      const seen = new Set<string>();
      skipSpace();
      if (text[at] === "}") return void at++;
      for (;;) {
        const key = string();
        const keyPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        if (seen.has(key)) found.push(keyPath);
        seen.add(key);
        expect(":");
        value(keyPath);
        skipSpace();
        if (text[at++] === "}") return;
        if (text[at - 1] !== ",") throw new Error(`expected , or } at ${at - 1}`);
      }
    }
    if (char === "[") {
      at++;
      skipSpace();
      if (text[at] === "]") return void at++;
      for (let i = 0; ; i++) {
        value(`${path}/${i}`);
        skipSpace();
        if (text[at++] === "]") return;
        if (text[at - 1] !== ",") throw new Error(`expected , or ] at ${at - 1}`);
      }
    }
    if (char === '"') return void string();
    const scalar = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at));
    if (!scalar) throw new Error(`unexpected ${JSON.stringify(char)} at ${at}`);
    at += scalar[0].length;
  };
  value("");
  skipSpace();
  if (at !== text.length) throw new Error(`trailing text at ${at}`);
  return found;
}
