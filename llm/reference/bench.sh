#!/usr/bin/env bash
# bench.sh: Quire's engine against llama.cpp on the same synthetic Mistral
# 7B-shaped GGUFs, back to back in one run, on this machine.
#
# It writes the files once (Q4_0, Q4_K_M, Q8_0; 4-8 GB each) with
# `quire synth`, measures the memory read bandwidth (the generation
# roofline), then for each file runs llama.cpp (node-llama-cpp 3.21.1,
# bench.mjs) and `quire bench` with the same prompt/generation lengths and
# threads, and prints tok/s and the ratios.
#
# usage: llm/reference/bench.sh [TYPES...]     (default: Q4_0 Q4_K_M Q8_0)
# env:   BENCH_DIR (default /tmp/quire-bench), P=128 N=32 T=2 R=3,
#        NODE_LLAMA_CPP_DIR (a folder with node_modules/node-llama-cpp;
#        default: this folder after `npm ci`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${BENCH_DIR:-/tmp/quire-bench}
P=${P:-128} N=${N:-32} T=${T:-2} R=${R:-3}
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Q4_0 Q4_K_M Q8_0)
mkdir -p "$dir"

if [ ! -d "$here/node_modules/node-llama-cpp" ] && [ -z "${NODE_LLAMA_CPP_DIR:-}" ]; then
  echo "installing node-llama-cpp 3.21.1 (prebuilt CPU build)…" >&2
  (cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --silent)
fi
export NODE_PATH=${NODE_LLAMA_CPP_DIR:+$NODE_LLAMA_CPP_DIR/node_modules}

(cd "$root" && go build -o "$dir/quire" ./cmd/quire)
quire="$dir/quire"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
"$quire" bench --membw -t "$T"
printf '\n%-8s %10s %10s %7s | %10s %10s %7s | %9s %9s\n' file "lcpp pp" "quire pp" ratio "lcpp tg" "quire tg" ratio "quire RSS" "file"
for t in "${types[@]}"; do
  f="$dir/mistral7b-$t.gguf"
  [ -f "$f" ] || "$quire" synth -q --preset 7b --type "$t" --out "$f"
  l=$(cd "$here" && node bench.mjs "$f" "$P" "$N" "$T" "$R")
  q=$("$quire" bench --model "$f" -p "$P" -n "$N" -t "$T" -r "$R" --json)
  python3 - "$t" "$f" "$l" "$q" <<'PY'
import json, os, sys
t, f, l, q = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(f"{t:<8} {l['pp_tps']:10.2f} {q['pp_tps']:10.2f} {q['pp_tps']/l['pp_tps']:6.2f}x | "
      f"{l['tg_tps']:10.2f} {q['tg_tps']:10.2f} {q['tg_tps']/l['tg_tps']:6.2f}x | "
      f"{q['rss_bytes']/2**30:7.2f}GB {os.path.getsize(f)/2**30:7.2f}GB")
PY
done
