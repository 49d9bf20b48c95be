// relaxed-simd-pre.js - runs inside the Emscripten glue of every program linking a SIMD library
// (src/wasm/relaxed-simd.cmake): before the engine is instantiated, it instantiates the
// relaxed-SIMD kernel module (icarlRelaxedSimdModules, the plain or the shared one, as the
// engine's memory is) on the engine's memory and puts its functions in the engine's imports in
// place of the stand-ins of relaxed-simd-library.js. The stand-ins stay where the JavaScript
// engine cannot compile the module (no relaxed SIMD: the kernel module itself is the probe) or
// where Module.icarlRelaxedSimd is false (web/icarl.js's choice). A pthread worker runs this too,
// so every thread of the threads flavour links the same kernels as the main thread.
// Module.icarlRelaxedSimdLinked says whether it linked them.
(function () {
  function bytesOf(hex) {
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
    return bytes;
  }

  // Emscripten minifies import names; the stand-ins are recognised by their function names
  // (library functions are named _ plus the C name) and the memory by its type.
  function linkKernels(imports) {
    var memory = null, slots = [];
    for (var space in imports) {
      for (var name in imports[space]) {
        var value = imports[space][name];
        if (value instanceof WebAssembly.Memory) memory = value;
        else if (typeof value == 'function' && /^_gemm_.*(__wasmrelaxed|_relaxed_available)$/.test(value.name)) slots.push([space, name, value.name.slice(1)]);
      }
    }
    if (memory === null || slots.length === 0) return false;
    var shared = typeof SharedArrayBuffer == 'function' && memory.buffer instanceof SharedArrayBuffer;
    var kernels;
    try {
      kernels = new WebAssembly.Instance(new WebAssembly.Module(bytesOf(shared ? icarlRelaxedSimdModules.shared : icarlRelaxedSimdModules.plain)), { env: { memory: memory } });
    } catch (e) {
      return false; // no relaxed SIMD here: the simd128 kernels run
    }
    for (var i = 0; i < slots.length; i++) {
      if (typeof kernels.exports[slots[i][2]] != 'function') throw new Error('the relaxed-SIMD module lacks ' + slots[i][2]);
    }
    for (var j = 0; j < slots.length; j++) imports[slots[j][0]][slots[j][1]] = kernels.exports[slots[j][2]];
    return true;
  }

  if (Module['icarlRelaxedSimd'] === false) {
    Module['icarlRelaxedSimdLinked'] = false;
    return;
  }
  var instantiateWasm = Module['instantiateWasm'];
  Module['instantiateWasm'] = function (imports, receiveInstance) {
    Module['icarlRelaxedSimdLinked'] = linkKernels(imports);
    if (instantiateWasm) return instantiateWasm(imports, receiveInstance);
    // The glue's own source of the engine's bytes (Module.wasmBinary, a data: URI of SINGLE_FILE,
    // or the file read under Node), instantiated as the glue would.
    WebAssembly.instantiate(getBinary(wasmBinaryFile), imports).then(function (output) {
      receiveInstance(output.instance, output.module);
    }, function (error) {
      err('failed to instantiate the engine: ' + error);
      abort(error);
    });
    return {};
  };
})();
