import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import pkg from './package.json'

// Three bundles: the main process (Electron entry plus the plain-Node CLI that runs the same
// core headless), the sandboxed preload (must be CommonJS), and the renderer.
export default defineConfig({
  main: {
    define: { __LOOKOUT_VERSION__: JSON.stringify(pkg.version) },
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts')
        },
        // Chunks beside the entries: the CLI loads each command's code when it runs, and code
        // that finds files from its own location (the renderer, the app dir) sees out/main/.
        output: { chunkFileNames: '[name]-[hash].js' }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload cannot require packages: everything it uses is bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    },
    plugins: [react()]
  }
})
