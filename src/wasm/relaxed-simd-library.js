// relaxed-simd-library.js - Emscripten JS library: stand-ins for the relaxed-SIMD kernels the
// engine imports (src/kernels/gemm_kernels.h), so that every program linking a SIMD library links
// without them. src/wasm/relaxed-simd-pre.js replaces them (found by these function names) with
// the kernel module's functions where the JavaScript engine runs relaxed SIMD; elsewhere the
// availability answer 0 keeps the variant table on the simd128 kernels, and the kernels here are
// never called.
mergeInto(LibraryManager.library, {
  gemm_wasm_relaxed_available: function () {
    return 0;
  },
  gemm_ukernel_4x8__wasmrelaxed: function () {
    abort('the relaxed-SIMD kernels were called but not linked');
  },
  gemm_taps_4x8__wasmrelaxed: function () {
    abort('the relaxed-SIMD kernels were called but not linked');
  },
  gemm_dot_4x4__wasmrelaxed: function () {
    abort('the relaxed-SIMD kernels were called but not linked');
  },
});
