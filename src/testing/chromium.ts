/**
 * The Chromium that the UI's end-to-end tests drive through playwright-core. In order:
 *
 * 1. `STACKWARDEN_CHROMIUM`, when set: the browser the user named;
 * 2. the machine's own Chromium or Chrome, when it has one (Debian's `chromium`, say);
 * 3. the headless Chromium shipped inside the `@sparticuz/chromium` devDependency, unpacked on first
 *    use into the temp folder. It is built for serverless machines and needs no system libraries
 *    beyond glibc, libexpat and libgcc, so a machine with only npm can run the UI's tests.
 */
import { existsSync } from "node:fs";

/** Where a machine's own Chromium or Chrome usually is. */
const systemBrowsers = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** A browser executable and where it came from, for the test's log. */
export interface ChromiumExecutable {
  readonly path: string;
  readonly source: "STACKWARDEN_CHROMIUM" | "system" | "@sparticuz/chromium";
}

/**
 * Finds a Chromium to launch (see the module's comment for the order). Throws an error that names
 * the one command that fixes it when there is none.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumExecutable> {
  const given = env.STACKWARDEN_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`STACKWARDEN_CHROMIUM names ${given}, which does not exist`);
    return { path: given, source: "STACKWARDEN_CHROMIUM" };
  }
  const system = systemBrowsers.find((path) => existsSync(path));
  if (system !== undefined) return { path: system, source: "system" };
  let shipped: { executablePath(): Promise<string> };
  try {
    shipped = (await import("@sparticuz/chromium")).default;
  } catch (e: unknown) {
    throw new Error(
      "no Chromium: the machine has none and the @sparticuz/chromium devDependency is not installed. " +
        "Run `npm install` (or install the machine's chromium package, or set STACKWARDEN_CHROMIUM).",
      { cause: e },
    );
  }
  return { path: await shipped.executablePath(), source: "@sparticuz/chromium" };
}
