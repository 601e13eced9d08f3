/**
 * `npm run web:build`: builds the web UI into web/dist when it is missing or older than its
 * sources (src/cli/web-build.ts), as `stackwarden up` and `server` do on start. Exits 1 when it
 * cannot.
 */
import { ensureWebUi } from "../src/cli/web-build.ts";
import { packageRoot } from "../src/sandbox/paths.ts";

const ui = ensureWebUi({ root: packageRoot }, (line) => void process.stderr.write(`${line}\n`));
if (ui.problem !== undefined) {
  process.stderr.write(`✖ ${ui.problem}\n`);
  process.exitCode = 1;
} else {
  process.stderr.write(`✔ web UI ${ui.built ? "built" : "up to date"} in ${ui.dir}\n`);
}
