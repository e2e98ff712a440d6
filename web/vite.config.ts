// Vite builds the app into dist/, which the local host serves at / (local_host/web_app.py).
// `npm run dev` serves it with hot reload and sends /api to the local host (`make run`).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const API = process.env.WATTSUP_API ?? "http://127.0.0.1:7071";

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    proxy: { "/api": { target: API, changeOrigin: false } },
  },
  build: { outDir: "dist", sourcemap: true, chunkSizeWarningLimit: 800 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
