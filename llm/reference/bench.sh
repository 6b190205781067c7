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
# The machines here are shared, and a neighbour's load can take 30% off
# one run and not the next. So the two engines take turns, ROUNDS times
# per file (each turn the median of R runs after a warm-up), and each
# engine's best turn is reported: both get the same chances at a quiet
# machine. Every turn is printed too.
#
# usage: llm/reference/bench.sh [TYPES...]     (default: Q4_0 Q4_K_M Q8_0)
# env:   BENCH_DIR (default /tmp/quire-bench), P=128 N=32 T=2 R=3 ROUNDS=2,
#        NODE_MODULES (a node_modules holding node-llama-cpp@3.21.1, linked
#        here; default: `npm ci` here, from package-lock.json)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${BENCH_DIR:-/tmp/quire-bench}
P=${P:-128} N=${N:-32} T=${T:-2} R=${R:-3} ROUNDS=${ROUNDS:-2}
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Q4_0 Q4_K_M Q8_0)
mkdir -p "$dir"

if [ ! -e "$here/node_modules" ]; then
  if [ -n "${NODE_MODULES:-}" ]; then
    ln -s "$NODE_MODULES" "$here/node_modules"
  else
    echo "installing node-llama-cpp 3.21.1 (prebuilt CPU build)…" >&2
    (cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --silent)
  fi
fi

(cd "$root" && go build -o "$dir/quire" ./cmd/quire)
quire="$dir/quire"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
"$quire" bench --membw -t "$T"
printf '\n%-8s %10s %10s %7s | %10s %10s %7s | %9s %9s\n' file "lcpp pp" "quire pp" ratio "lcpp tg" "quire tg" ratio "quire RSS" "file"
for t in "${types[@]}"; do
  f="$dir/mistral7b-$t.gguf"
  [ -f "$f" ] || "$quire" synth -q --preset 7b --type "$t" --out "$f"
  turns=()
  for ((r = 1; r <= ROUNDS; r++)); do
    turns+=("$(cd "$here" && node bench.mjs "$f" "$P" "$N" "$T" "$R")")
    turns+=("$("$quire" bench --model "$f" -p "$P" -n "$N" -t "$T" -r "$R" --json)")
  done
  python3 - "$t" "$f" "${turns[@]}" <<'PY'
import json, os, sys
t, f, turns = sys.argv[1], sys.argv[2], [json.loads(x) for x in sys.argv[3:]]
l, q = turns[0::2], turns[1::2]
for i, (a, b) in enumerate(zip(l, q), 1):
    print(f"  turn {i}: llama.cpp pp {a['pp_tps']:.2f} tg {a['tg_tps']:.2f}, "
          f"quire pp {b['pp_tps']:.2f} tg {b['tg_tps']:.2f}", file=sys.stderr)
best = lambda xs, k: max(x[k] for x in xs)
lpp, qpp, ltg, qtg = best(l, 'pp_tps'), best(q, 'pp_tps'), best(l, 'tg_tps'), best(q, 'tg_tps')
rss = max(x['rss_bytes'] for x in q)
print(f"{t:<8} {lpp:10.2f} {qpp:10.2f} {qpp/lpp:6.2f}x | "
      f"{ltg:10.2f} {qtg:10.2f} {qtg/ltg:6.2f}x | "
      f"{rss/2**30:7.2f}GB {os.path.getsize(f)/2**30:7.2f}GB", flush=True)
PY
done
