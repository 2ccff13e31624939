import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web app: built into web/dist, which the server serves (server/platform/web.ts). In
 * development (`npm run dev:web`) Vite serves it and proxies /api to the server on API_ORIGIN.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // Hashed file names under /assets/ get a year-long immutable cache from the server.
    assetsDir: 'assets',
    // One bundle of about 520 kB (155 kB gzipped): React DOM and zod (the shared contracts) are most
    // of it, and every page needs both. Split by route when pages grow heavy (the editor, charts).
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    strictPort: true,
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/api': { target: process.env.API_ORIGIN ?? 'http://localhost:3000', changeOrigin: false },
    },
  },
});
