// Vite builds the map into web/dist, which `zoning serve` serves at / (index)
// and /assets/ (scripts, styles).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { '^/(collections|report|validate|markers|whoami|health|export)': 'http://127.0.0.1:8080' } },
});
