#!/usr/bin/env node
// cli.mjs - `node web/cli.mjs COMMAND ...` (the package's `icarl-wasm` command): the `icarl` tool
// of src/cli compiled for Node (icarl-cli.cjs and .wasm, built by src/wasm/wasm.cmake), with the
// native tool's subcommands, flags, output and exit codes, because it is the same C code. This
// file only starts it. One difference: Ctrl-C ends it at once, as Node cannot deliver the signal
// to a thread busy in WebAssembly, where the native tool first lets the running step stop.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const file = (name) => fileURLToPath(new URL(name, import.meta.url));
let createIcarlCli, wasmBinary;
try {
  createIcarlCli = createRequire(import.meta.url)('./icarl-cli.cjs');
  // Emscripten 3.1.6's glue would fetch() the .wasm path, which Node 20's fetch refuses.
  wasmBinary = readFileSync(file('./icarl-cli.wasm'));
} catch (error) {
  process.stderr.write(`icarl: the WebAssembly build of the tool is missing (${error.message}); run build-scripts/build.sh\n`);
  process.exit(1);
}

// main() runs as soon as the module is ready, and its exit status ends the process.
await createIcarlCli({
  thisProgram: 'icarl',
  arguments: process.argv.slice(2),
  wasmBinary,
  // web/package.json makes .js files ES modules; the pthread workers' script is CommonJS.
  locateFile: (name) => file(name.endsWith('.worker.js') ? './icarl-cli.worker.cjs' : `./${name}`),
});
