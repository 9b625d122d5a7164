// Vite builds the explorer into dist/, which the gateway embeds. The build
// is reproducible: pinned versions (package-lock.json), content-hashed file
// names, no source maps, nothing inlined as data: URLs (the CSP allows
// 'self' only), and `make test` rebuilds it to check dist/ is current.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
  },
  worker: { format: 'es' },
  server: {
    // `npm run dev` against a `make run` instance (or STEMMA_URL).
    proxy: {
      '/v1': process.env.STEMMA_URL || 'http://127.0.0.1:8080',
      '/openapi.json': process.env.STEMMA_URL || 'http://127.0.0.1:8080',
    },
  },
});
