#!/bin/sh
# regen.sh rewrites llm/testdata/golden/*.json from llama.cpp. It builds quire,
# writes each synthetic model of models.json (into a temporary folder, never
# committed) and runs golden.mjs with node-llama-cpp 3.21.1.
#
# usage: llm/reference/regen.sh [model-name...]
# NODE_MODULES: a node_modules holding node-llama-cpp@3.21.1 (default: run
# `npm ci` here, or /work/noderef/node_modules if it exists).
#
# Run it on an AVX-512 CPU without AMX (the goldens come from AMD Zen 5,
# where node-llama-cpp loads its "zen4" build of ggml, whose float orders the
# engine follows). On a CPU with AMX it loads the "sapphirerapids" build,
# which multiplies Q4_0, Q4_K, Q6_K and Q8_0 weights on its AMX kernels in
# other orders: the goldens would change in their last bits and the
# quantized ones would no longer match the engine to 2e-5.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK:-$(mktemp -d)}
trap 'rm -rf "$work"' EXIT

if [ ! -e "$here/node_modules" ]; then
	if [ -n "${NODE_MODULES:-}" ]; then
		ln -s "$NODE_MODULES" "$here/node_modules"
	elif [ -d /work/noderef/node_modules/node-llama-cpp ]; then
		ln -s /work/noderef/node_modules "$here/node_modules"
	else
		(cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund)
	fi
fi

(cd "$root" && go build -o "$work/quire" ./cmd/quire)
node "$here/golden.mjs" "$work/quire" "$here/models.json" "$work" "$root/llm/testdata/golden" "$@"
