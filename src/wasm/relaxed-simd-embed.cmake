# relaxed-simd-embed.cmake - writes OUTPUT, a pre-js holding the two relaxed-SIMD kernel modules
# (PLAIN and SHARED, .wasm files) as hex strings, for src/wasm/relaxed-simd-pre.js. Run with
# cmake -P by relaxed-simd.cmake.
file(READ ${PLAIN} plain HEX)
file(READ ${SHARED} shared HEX)
file(WRITE ${OUTPUT}
  "// Written by src/wasm/relaxed-simd-embed.cmake: the relaxed-SIMD kernel modules, hex.\n"
  "var icarlRelaxedSimdModules = {\n"
  "  plain: '${plain}',\n"
  "  shared: '${shared}',\n"
  "};\n")
