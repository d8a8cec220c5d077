/// <reference types="vitest/config" />
import { createHash } from "node:crypto";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Cloudscape's global styles inline their fonts as base64 (about 140 kB gzipped, most of the first page's CSS). The
 * build writes them as files instead: the browser fetches only the faces a page uses, after the CSS, and caches them.
 */
const FONT_URL_PREFIX = "msfont://";

function externalFonts(): Plugin {
  const fonts = new Map<string, Buffer>();
  return {
    name: "model-studio:external-fonts",
    apply: "build",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("@cloudscape-design/global-styles") || !id.endsWith(".css")) return null;
      const out = code.replace(/url\((['"]?)data:font\/woff2;base64,([A-Za-z0-9+/=]+)\1\)/g, (_match, _quote, base64: string) => {
        const bytes = Buffer.from(base64, "base64");
        const fileName = `assets/font-${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.woff2`;
        fonts.set(fileName, bytes);
        // An "external" URL for now (Vite leaves it alone); generateBundle makes it the asset's path.
        return `url("${FONT_URL_PREFIX}${fileName}")`;
      });
      return { code: out, map: null };
    },
    generateBundle(_options, bundle) {
      for (const [fileName, source] of fonts) this.emitFile({ type: "asset", fileName, source });
      for (const output of Object.values(bundle)) {
        if (output.type === "asset" && output.fileName.endsWith(".css") && typeof output.source === "string") {
          output.source = output.source.replaceAll(FONT_URL_PREFIX, "/");
        }
      }
    },
  };
}

// `npm run dev` proxies the API, /config.json and the Cognito endpoint to the local API server (make dev).
const localServer = process.env.MODEL_STUDIO_LOCAL_URL ?? "http://127.0.0.1:8000";
const proxied = { target: localServer, changeOrigin: false };

export default defineConfig({
  // Absolute asset URLs: deep links (/models/x/versions) load the same /assets/... as the root.
  base: "/",
  plugins: [react(), externalFonts()],
  build: {
    target: "es2022",
    sourcemap: false,
    // dist/.vite/manifest.json: each chunk's static imports and CSS, from which `make bench` sums what a route loads
    // (benchmarks/frontend.py). Not deployed (infra/web.py excludes .vite).
    manifest: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": proxied, "/config.json": proxied, "/cognito": proxied },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 60000,
    restoreMocks: true,
  },
});
