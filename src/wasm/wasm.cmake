# wasm.cmake - the WebAssembly build, included by the top CMakeLists.txt under emcmake. It links
# the same engine sources twice: web/icarl-engine-simd.{js,wasm} (every source with -msimd128)
# and web/icarl-engine-scalar.{js,wasm} (no SIMD at all: the fallback web/icarl.js picks where
# WebAssembly.validate refuses a SIMD probe, and the benchmark's baseline), and a third time as
# web/icarl-engine-simd-threads.{js,wasm,worker.js} (SIMD plus Emscripten pthreads: the compute
# context's worker pool on shared memory, which icarl.js picks in Node and in cross-origin
# isolated pages).
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
# Its GEMM variant table ends with the relaxed-SIMD kernels, imported from a module of their own.
include(${CMAKE_CURRENT_LIST_DIR}/relaxed-simd.cmake)
icarl_link_relaxed_simd(icarl_engine_simd)

# emcc 3.1.6's ES6 glue still evaluates `__dirname` when it runs under Node, which ES modules do
# not define (a ReferenceError before anything loads). The pre-js lands inside the factory
# function, so this `var` only gives the glue a harmless local: icarl.js hands Node the wasm
# bytes (wasmBinary), so the glue never uses the directory or `require` to find the file.
string(CONCAT ICARL_WASM_PRE_JS_TEXT
  "// Written by src/wasm/wasm.cmake: ES-module glue under Node has no __dirname.\n"
  "var __dirname = typeof __dirname === 'string' ? __dirname : '';\n")

# exports.txt, the one export list, read here: each line `name(type, ...) -> type` becomes an
# entry of Emscripten's EXPORTED_FUNCTIONS and of Module.icarlExports, the types web/icarl.js wraps
# each function with (it keeps no list of its own).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/exports.txt)
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/exports.txt ICARL_EXPORT_LINES REGEX "^[^#]")
set(ICARL_EXPORTED_FUNCTIONS "")
string(APPEND ICARL_WASM_PRE_JS_TEXT
  "// Written by src/wasm/wasm.cmake from src/wasm/exports.txt: [result, [arguments]] by name.\n"
  "Module['icarlExports'] = {\n")
foreach(line IN LISTS ICARL_EXPORT_LINES)
  set(type "(i32|u32|f32|f64|ptr|string)")
  if(NOT line MATCHES "^([a-z_][a-z0-9_]*)\\(((${type}(, ${type})*)?)\\) -> (${type}|void)$")
    message(FATAL_ERROR "src/wasm/exports.txt: '${line}' is not `name(type, ...) -> type`")
  endif()
  set(name ${CMAKE_MATCH_1})
  set(result ${CMAKE_MATCH_7})
  string(REPLACE ", " "', '" arguments "${CMAKE_MATCH_2}")
  if(NOT arguments STREQUAL "")
    set(arguments "'${arguments}'")
  endif()
  list(APPEND ICARL_EXPORTED_FUNCTIONS _${name})
  string(APPEND ICARL_WASM_PRE_JS_TEXT "  ${name}: ['${result}', [${arguments}]],\n")
endforeach()
string(APPEND ICARL_WASM_PRE_JS_TEXT "};\n")
string(REPLACE ";" "\n" ICARL_EXPORTED_FUNCTIONS "${ICARL_EXPORTED_FUNCTIONS}")

# Generated files are rewritten only when their text changes, so that configuring again (which
# build.sh does every time) does not relink the modules.
function(icarl_write_if_changed path text)
  file(WRITE ${path}.new "${text}")
  configure_file(${path}.new ${path} COPYONLY)
endfunction()
set(ICARL_WASM_PRE_JS ${CMAKE_BINARY_DIR}/icarl-wasm-pre.js)
set(ICARL_WASM_EXPORTS_FILE ${CMAKE_BINARY_DIR}/icarl-wasm-exported-functions.txt)
icarl_write_if_changed(${ICARL_WASM_PRE_JS} "${ICARL_WASM_PRE_JS_TEXT}")
icarl_write_if_changed(${ICARL_WASM_EXPORTS_FILE} "${ICARL_EXPORTED_FUNCTIONS}\n")

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
  # The names from exports.txt, the same for every flavour.
  -sEXPORTED_FUNCTIONS=@${ICARL_WASM_EXPORTS_FILE}
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
    LINK_DEPENDS "${ICARL_WASM_PRE_JS};${ICARL_WASM_EXPORTS_FILE};${ICARL_RELAXED_LINK_DEPENDS}")
endfunction()

icarl_wasm_module(icarl_wasm_simd simd icarl_engine_simd)
icarl_wasm_module(icarl_wasm_scalar scalar icarl_engine)

# ---- the threads flavour ------------------------------------------------------------------------
# The same sources with -pthread (atomics and shared memory, on every object: wasm-ld refuses to
# link a shared memory with an object built without them) and ICARL_THREADS_ENABLED, so
# src/kernels/compute.c builds its worker pool. Results are bit-identical to the SIMD flavour for
# any thread count (compute.h); only speed differs.
add_library(icarl_engine_simd_threads STATIC ${ICARL_SOURCES})
target_include_directories(icarl_engine_simd_threads PUBLIC include src)
target_include_directories(icarl_engine_simd_threads SYSTEM PUBLIC ${STB_INCLUDE_DIR})
target_compile_options(icarl_engine_simd_threads PUBLIC -msimd128 -pthread)
target_compile_definitions(icarl_engine_simd_threads PUBLIC ICARL_THREADS_ENABLED=1)
if(MATH_LIBRARY)
  target_link_libraries(icarl_engine_simd_threads PUBLIC ${MATH_LIBRARY})
endif()
icarl_link_relaxed_simd(icarl_engine_simd_threads)

# emcc 3.1.6's pthreads glue calls require('worker_threads'), require('os') (the core count) and
# require('fs') under Node, which an ES module does not define. icarl.js hands the main thread a
# real require (createRequire) as Module.icarlRequire; in a pthread worker the .worker.cjs copy
# below runs as CommonJS and puts require on the worker's global object.
# The pool: Module.icarlPthreadPoolSize when icarl.js gives one, else the cores up to 4. A
# learner with T threads takes T - 1 workers; the workers are started with the module, because a
# worker created later only starts once the creating thread returns to its event loop, which a
# thread blocked in the pool never does. PTHREAD_POOL_SIZE_STRICT=2 makes pthread_create fail
# rather than wait when the pool is used up, and compute.c then runs that learner on one thread.
set(ICARL_WASM_THREADS_PRE_JS ${CMAKE_BINARY_DIR}/icarl-wasm-threads-pre.js)
file(WRITE ${ICARL_WASM_THREADS_PRE_JS}
  "// Written by src/wasm/wasm.cmake: require and the pthread pool size for the threads flavour.\n"
  "var require = typeof Module['icarlRequire'] == 'function' ? Module['icarlRequire'] : globalThis.require;\n"
  "function icarlPoolSize() {\n"
  "  if (typeof Module['icarlPthreadPoolSize'] == 'number') return Module['icarlPthreadPoolSize'];\n"
  "  var cores = ENVIRONMENT_IS_NODE ? require('os').cpus().length\n"
  "      : (typeof navigator == 'object' && navigator['hardwareConcurrency']) || 1;\n"
  "  return Math.max(1, Math.min(4, cores));\n"
  "}\n")

icarl_wasm_module(icarl_wasm_simd_threads simd-threads icarl_engine_simd_threads)
target_link_options(icarl_wasm_simd_threads PRIVATE
  -pthread
  "-sPTHREAD_POOL_SIZE=icarlPoolSize()"
  -sPTHREAD_POOL_SIZE_STRICT=2
  "SHELL:--pre-js ${ICARL_WASM_THREADS_PRE_JS}")
# Node loads a .js file under web/package.json's "type": "module" as an ES module, where the
# worker glue's require() does not exist; the browser needs the .js name (a JavaScript MIME type
# from any static host). So Node's pthread workers start from a CommonJS copy.
add_custom_command(TARGET icarl_wasm_simd_threads POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E copy
    ${ICARL_WASM_OUTPUT_DIRECTORY}/icarl-engine-simd-threads.worker.js
    ${ICARL_WASM_OUTPUT_DIRECTORY}/icarl-engine-simd-threads.worker.cjs)

# ---- the `icarl` tool for Node ------------------------------------------------------------------
# src/cli compiled against the threads flavour, as web/icarl-cli.{cjs,wasm,worker.cjs}: web/cli.mjs
# runs it, so `node web/cli.mjs` is the native tool's code with the same subcommands, output and
# exit codes. NODERAWFS gives it the real file system through Node's fs; src/wasm/cli-pre.js hands
# it the real environment and says which standard streams are terminals. The glue is CommonJS
# (.cjs, where Node's require and __dirname exist) because web/package.json makes .js files ES
# modules; for the same reason its pthread workers start from a .cjs copy of the worker script.
if(ICARL_CLI_SOURCES)
  add_executable(icarl_wasm_cli ${ICARL_CLI_SOURCES})
  target_link_libraries(icarl_wasm_cli PRIVATE icarl_engine_simd_threads)
  target_link_options(icarl_wasm_cli PRIVATE
    -O3
    -pthread
    -sNODERAWFS=1
    -sENVIRONMENT=node
    -sMODULARIZE=1
    -sEXPORT_NAME=createIcarlCli
    # main() runs at start-up; its return ends the runtime (flushing stdio) and the process.
    -sEXIT_RUNTIME=1
    -sNODEJS_CATCH_EXIT=0
    -sNODEJS_CATCH_REJECTION=0
    -sALLOW_MEMORY_GROWTH=1
    -sMAXIMUM_MEMORY=2GB
    "-sPTHREAD_POOL_SIZE=icarlCliPoolSize()"
    -sPTHREAD_POOL_SIZE_STRICT=2
    "SHELL:--pre-js ${CMAKE_CURRENT_LIST_DIR}/cli-pre.js")
  set_target_properties(icarl_wasm_cli PROPERTIES
    OUTPUT_NAME icarl-cli
    SUFFIX ".cjs"
    RUNTIME_OUTPUT_DIRECTORY ${ICARL_WASM_OUTPUT_DIRECTORY}
    LINK_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/cli-pre.js;${ICARL_RELAXED_LINK_DEPENDS}")
  add_custom_command(TARGET icarl_wasm_cli POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E rename
      ${ICARL_WASM_OUTPUT_DIRECTORY}/icarl-cli.worker.js
      ${ICARL_WASM_OUTPUT_DIRECTORY}/icarl-cli.worker.cjs)
endif()
