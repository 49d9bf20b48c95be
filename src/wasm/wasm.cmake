# wasm.cmake - the WebAssembly build, included by the top CMakeLists.txt under emcmake. It links
# the same engine sources twice: web/icarl-engine-simd.{js,wasm} (every source with -msimd128)
# and web/icarl-engine-scalar.{js,wasm} (no SIMD at all: the fallback web/icarl.js picks where
# WebAssembly.validate refuses a SIMD probe, and the benchmark's baseline).
# Outputs go straight into web/ so that web/icarl.js imports right after the build.

set(ICARL_WASM_OUTPUT_DIRECTORY ${CMAKE_SOURCE_DIR}/web)

# The top level's icarl_engine is compiled without -msimd128, so it already is the scalar
# flavour's library. The SIMD flavour recompiles the same sources with -msimd128 on all of them:
# the GEMM microkernel is written with wasm_simd128.h, and clang may vectorise the other loops
# (im2col, batchnorm, SGD) as well.
add_library(icarl_engine_simd STATIC ${ICARL_SOURCES})
target_include_directories(icarl_engine_simd PUBLIC include src)
target_include_directories(icarl_engine_simd SYSTEM PUBLIC ${STB_INCLUDE_DIR})
target_compile_options(icarl_engine_simd PUBLIC -msimd128)
if(MATH_LIBRARY)
  target_link_libraries(icarl_engine_simd PUBLIC ${MATH_LIBRARY})
endif()

# emcc 3.1.6's ES6 glue still evaluates `__dirname` when it runs under Node, which ES modules do
# not define (a ReferenceError before anything loads). The pre-js lands inside the factory
# function, so this `var` only gives the glue a harmless local: icarl.js hands Node the wasm
# bytes (wasmBinary), so the glue never uses the directory or `require` to find the file.
set(ICARL_WASM_PRE_JS ${CMAKE_BINARY_DIR}/icarl-wasm-pre.js)
file(WRITE ${ICARL_WASM_PRE_JS}
  "// Written by src/wasm/wasm.cmake: ES-module glue under Node has no __dirname.\n"
  "var __dirname = typeof __dirname === 'string' ? __dirname : '';\n")

set(ICARL_WASM_LINK_OPTIONS
  # Binaryen's optimiser runs at link time; the compile flags alone do not reach it.
  -O3
  # A factory function instead of a global Module: every createLearner() caller may own its own
  # instance, and nothing leaks into the page's global scope.
  -sMODULARIZE=1
  # An ES module (`import createIcarlEngine from ...`), the same file for browser and Node.
  -sEXPORT_ES6=1
  -sEXPORT_NAME=createIcarlEngine
  # No shell-specific glue beyond these three: the page, its training worker, and Node tests.
  -sENVIRONMENT=web,worker,node
  # The learner's exemplar memory and scratch grow with the classes taught; a fixed heap would
  # either waste memory on small learners or fail on large ones. icarl.js re-reads HEAP* views
  # after every call that may grow memory.
  -sALLOW_MEMORY_GROWTH=1
  # 2 GB rather than 4 GB: pointers then stay below 2^31, so they are positive JS numbers and
  # plain Int32Array indexing works everywhere in icarl.js (a learner needs far less).
  -sMAXIMUM_MEMORY=2GB
  # All I/O happens in JS (fs in Node, IndexedDB in the browser): the engine gets and returns
  # byte buffers, so the Emscripten virtual file system would only add size.
  -sFILESYSTEM=0
  # The module lives as long as its learners: main() never runs and the runtime must not be
  # torn down after start-up (this is the default; stated because the shim relies on it).
  -sEXIT_RUNTIME=0
  # The glue would otherwise install process-wide 'uncaughtException'/'unhandledRejection'
  # handlers in Node that rethrow: a library must not change how its host process fails.
  -sNODEJS_CATCH_EXIT=0
  -sNODEJS_CATCH_REJECTION=0
  # No eval()/new Function in the glue, so the page works under a strict Content-Security-Policy
  # (no 'unsafe-eval') and in extensions.
  -sDYNAMIC_EXECUTION=0
  # The __dirname shim above (SHELL: keeps CMake from de-duplicating the two words).
  "SHELL:--pre-js ${ICARL_WASM_PRE_JS}"
  # One list for both flavours, kept in a file so that adding an export is a one-line change.
  -sEXPORTED_FUNCTIONS=@${CMAKE_CURRENT_LIST_DIR}/exports.txt
)

function(icarl_wasm_module target flavour engine)
  add_executable(${target} ${CMAKE_CURRENT_LIST_DIR}/exports.c)
  target_link_libraries(${target} PRIVATE ${engine})
  target_link_options(${target} PRIVATE ${ICARL_WASM_LINK_OPTIONS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME icarl-engine-${flavour}
    SUFFIX ".js"
    RUNTIME_OUTPUT_DIRECTORY ${ICARL_WASM_OUTPUT_DIRECTORY}
    # Relink when the export list changes: CMake does not see files named inside link flags.
    LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/exports.txt)
endfunction()

icarl_wasm_module(icarl_wasm_simd simd icarl_engine_simd)
icarl_wasm_module(icarl_wasm_scalar scalar icarl_engine)
