/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API, /config.json and the Cognito endpoint to the local API server (make dev).
const localServer = process.env.MODEL_STUDIO_LOCAL_URL ?? "http://127.0.0.1:8000";
const proxied = { target: localServer, changeOrigin: false };

export default defineConfig({
  // Absolute asset URLs: deep links (/models/x/versions) load the same /assets/... as the root.
  base: "/",
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
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
