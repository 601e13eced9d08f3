/**
 * Builds the web UI into web/dist, which the control plane serves at `/`.
 * No CDN, no external fonts: the bundle is self-contained.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  // `npm run web:dev` proxies the API to a running `stackwarden up`.
  server: { proxy: { "/api": process.env.STACKWARDEN_URL ?? "http://127.0.0.1:8080" } },
});
