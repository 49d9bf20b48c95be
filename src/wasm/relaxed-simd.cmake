# relaxed-simd.cmake - the relaxed-SIMD GEMM kernels (src/kernels/gemm_wasmsimd.c with
# f32x4.relaxed_madd), included by wasm.cmake. Emscripten 3.1.6 cannot link relaxed-SIMD code
# (its Binaryen refuses the opcodes), so clang-16 and wasm-ld-16 build the kernels into a small
# module of their own: no libc, no stack, no data, the engine's memory imported. It is built twice,
# for the plain memory of the single-thread flavour and the shared memory of the threads flavour,
# and both are embedded (as hex) in a pre-js of the SIMD flavours. There,
# src/wasm/relaxed-simd-pre.js instantiates the one that matches the engine's memory and links its
# functions into the engine's imports, where the engine's gemm_4x8__wasmrelaxed variant calls them
# directly; where the JavaScript engine lacks relaxed SIMD, the stand-ins of
# src/wasm/relaxed-simd-library.js stay and the simd128 kernels run.

find_program(ICARL_CLANG16 clang-16)
find_program(ICARL_WASM_LD16 wasm-ld-16)
if(NOT ICARL_CLANG16 OR NOT ICARL_WASM_LD16)
  message(FATAL_ERROR "the relaxed-SIMD kernels need clang-16 and wasm-ld-16: Debian packages "
                      "clang-16 and lld-16 (build-scripts/setup.sh installs them)")
endif()

set(ICARL_RELAXED_SOURCE ${CMAKE_SOURCE_DIR}/src/kernels/gemm_wasmsimd.c)
set(ICARL_RELAXED_EXPORTS gemm_wasm_relaxed_available gemm_ukernel_4x8__wasmrelaxed
                          gemm_taps_4x8__wasmrelaxed gemm_dot_4x4__wasmrelaxed)
list(TRANSFORM ICARL_RELAXED_EXPORTS PREPEND --export= OUTPUT_VARIABLE ICARL_RELAXED_EXPORT_FLAGS)
# -Wframe-larger-than=0 as an error: a kernel that needs a stack frame would write below the
# stack pointer of a module that has no stack of its own, into the engine's memory.
set(ICARL_RELAXED_CFLAGS --target=wasm32 -msimd128 -mrelaxed-simd -O3 -std=c11 -ffreestanding
    -nostdlib -Wall -Wextra -Werror -Wframe-larger-than=0 -I${CMAKE_SOURCE_DIR}/src)
set(ICARL_RELAXED_DIR ${CMAKE_BINARY_DIR}/relaxed-simd)
file(MAKE_DIRECTORY ${ICARL_RELAXED_DIR})

# plain: an unshared memory of any size; shared: the threads flavour's (shared, at most 2 GB,
# which needs the atomics and bulk-memory features on the object).
set(ICARL_RELAXED_MODULES "")
foreach(memory plain shared)
  set(cflags ${ICARL_RELAXED_CFLAGS})
  set(ldflags --no-entry --import-memory --strip-all ${ICARL_RELAXED_EXPORT_FLAGS})
  if(memory STREQUAL "shared")
    list(APPEND cflags -matomics -mbulk-memory)
    list(APPEND ldflags --shared-memory --max-memory=2147483648)
  endif()
  set(object ${ICARL_RELAXED_DIR}/gemm-relaxed-${memory}.o)
  set(module ${ICARL_RELAXED_DIR}/gemm-relaxed-${memory}.wasm)
  add_custom_command(OUTPUT ${module}
    COMMAND ${ICARL_CLANG16} ${cflags} -c ${ICARL_RELAXED_SOURCE} -o ${object}
    COMMAND ${ICARL_WASM_LD16} ${ldflags} ${object} -o ${module}
    DEPENDS ${ICARL_RELAXED_SOURCE} ${CMAKE_SOURCE_DIR}/src/kernels/gemm_kernels.h
    COMMENT "relaxed-SIMD kernels (clang-16), ${memory} memory"
    VERBATIM)
  list(APPEND ICARL_RELAXED_MODULES ${module})
endforeach()

set(ICARL_RELAXED_MODULES_JS ${ICARL_RELAXED_DIR}/relaxed-simd-modules.js)
add_custom_command(OUTPUT ${ICARL_RELAXED_MODULES_JS}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ICARL_RELAXED_MODULES_JS}
          -DPLAIN=${ICARL_RELAXED_DIR}/gemm-relaxed-plain.wasm
          -DSHARED=${ICARL_RELAXED_DIR}/gemm-relaxed-shared.wasm
          -P ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-embed.cmake
  DEPENDS ${ICARL_RELAXED_MODULES} ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-embed.cmake
  VERBATIM)
add_custom_target(icarl_relaxed_simd_kernels DEPENDS ${ICARL_RELAXED_MODULES_JS})

# What every program linking a SIMD library needs: the embedded modules, the pre-js that links
# them, the stand-ins that satisfy the link, and a memory created outside the module (so the
# kernels can be instantiated on it before the engine is).
set(ICARL_RELAXED_LINK_DEPENDS ${ICARL_RELAXED_MODULES_JS} ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-pre.js
    ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-library.js)
function(icarl_link_relaxed_simd library)
  add_dependencies(${library} icarl_relaxed_simd_kernels)
  target_link_options(${library} INTERFACE
    "SHELL:--pre-js ${ICARL_RELAXED_MODULES_JS}"
    "SHELL:--pre-js ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-pre.js"
    "SHELL:--js-library ${CMAKE_CURRENT_LIST_DIR}/relaxed-simd-library.js"
    -sIMPORTED_MEMORY=1)
endfunction()
