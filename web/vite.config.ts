/**
 * Builds the web app into web/dist, which Herald serves at `/` (src/http/web-app.ts).
 * `npm run dev:web` serves it with hot reload and proxies the API to a running Herald.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const herald = process.env.HERALD_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: process.env.HERALD_WEB_OUT_DIR ?? 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': herald, '/sandbox': herald, '/media': herald },
  },
});
