#!/bin/sh
# Regenerates ../ggml_golden.bin.gz from llama.cpp's shipped CPU binaries.
# Needs: gcc, node-llama-cpp@3.21.1 installed (npm i -E node-llama-cpp@3.21.1)
# and its llama.cpp source (git clone node_modules/node-llama-cpp/llama/gitRelease.bundle).
# The machine must run the zen4 (AVX-512) variant: AVX512F/BW/VL/VNNI/BF16.
set -eu
NODE_MODULES=${NODE_MODULES:-/work/noderef/node_modules}
LCPP=${LCPP:-/work/lcpp-src}
BINS=$NODE_MODULES/@node-llama-cpp/linux-x64/bins/linux-x64
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/gen" "$here/gen.c" -I"$LCPP/ggml/include" \
    "$BINS/libggml-cpu-zen4.so" "$BINS/libggml-base.so" -Wl,-rpath,"$BINS" -lm -ldl
"$tmp/gen" "$tmp/ggml_golden.bin"
gzip -9 -n -c "$tmp/ggml_golden.bin" > "$here/../ggml_golden.bin.gz"
ls -l "$here/../ggml_golden.bin.gz"
