// cli-pre.js - runs inside the glue of the `icarl` tool compiled for Node (web/icarl-cli.cjs,
// src/wasm/wasm.cmake), before main(): what the C tool reads from its process must be the real
// process's, so that it behaves as the native build does.

Module['preRun'] = [].concat(Module['preRun'] || [], function () {
  // Emscripten's getenv sees a made-up environment (USER=web_user, ...) unless told otherwise:
  // ICARL_THREADS and the rest come from Node's.
  Object.assign(ENV, process.env);
  addOnPreMain(function () {
    // NODERAWFS declares all three standard streams terminals, which would draw progress bars
    // into pipes and files and line-buffer stdout: ask Node what they really are.
    var tty = require('tty');
    for (var fd = 0; fd <= 2; fd++) FS.streams[fd].tty = tty.isatty(fd);
  });
});

// The pthread pool: workers must exist before main() runs, because one created later starts
// only once the thread that created it returns to Node's event loop, which main() never does.
// Room for a learner's threads beside the main thread: the default of src/kernels/compute.c
// (the cores, at most 4) or ICARL_THREADS, at most COMPUTE_MAX_THREADS (8). A learner that finds
// too few workers runs on one thread, with the same results.
function icarlCliPoolSize() {
  var requested = parseInt(process.env['ICARL_THREADS'], 10);
  var threads = Math.min(4, require('os').cpus().length);
  if (requested > threads) threads = Math.min(requested, 8);
  return threads - 1;
}
