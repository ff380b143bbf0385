#!/usr/bin/env bash
# Runs the trainer benchmark of dualstream and of PyTorch's sparse path on the same batches, with
# the same threads and the same timing method, and prints the ratio of their median examples/s.
# Usage: benchmarks/run-trainer-bench.sh [--rounds N] [--threads N] [--windows N]
#   [--window-steps N] [--warmup-steps N] [--dataset DIR] [--out DIR] [--sequential]
# Both run in one go, taking turns window by window through a file (--lockstep), so that each
# pair of windows sees about the same load on a shared machine; --sequential runs dualstream to
# the end, then PyTorch. With several rounds the ratio is that of the medians over rounds.
# DUALSTREAM_LAUNCHER overrides the launcher (default ./dualstream, which builds when needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

rounds=1 threads=2 windows=7 window_steps=20 warmup_steps=60 out=var/bench dataset="" sequential=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --windows) windows="$2"; shift 2 ;;
    --window-steps) window_steps="$2"; shift 2 ;;
    --warmup-steps) warmup_steps="$2"; shift 2 ;;
    --dataset) dataset="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --sequential) sequential=true; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-trainer-bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [[ -z "$dataset" ]]; then
  dataset=data/debian-pkgdesc
  [[ -d "$dataset" ]] || dataset=../shared/data/debian-pkgdesc
fi
launcher="${DUALSTREAM_LAUNCHER:-./dualstream}"

venv=benchmarks/pytorch/.venv
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  echo "== creating $venv (PyTorch CPU build, numpy)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r benchmarks/pytorch/requirements.txt
fi
torch_version="$("$venv/bin/python" -c 'import torch; print(torch.__version__)')"

mkdir -p "$out"
timing=(--threads "$threads" --windows "$windows" --window-steps "$window_steps" --warmup-steps "$warmup_steps")
echo "== exporting the batches to $out/batches"
"$launcher" bench trainer --dataset "$dataset" --export-batches "$out/batches" --export-only

# The machine's OpenBLAS settings slow a current build; they are unset for the PyTorch command only.
pytorch() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" benchmarks/pytorch/bench_trainer.py \
    --batches "$out/batches" "${timing[@]}" "$@"
}

for ((r = 1; r <= rounds; r++)); do
  if $sequential; then
    echo "== round $r/$rounds: dualstream, then PyTorch $torch_version sparse path"
    "$launcher" bench trainer --dataset "$dataset" "${timing[@]}" --json "$out/dualstream-$r.json"
    pytorch --json "$out/pytorch-$r.json"
  else
    echo "== round $r/$rounds: dualstream and PyTorch $torch_version sparse path, taking turns"
    echo dualstream > "$out/turn"
    pytorch --json "$out/pytorch-$r.json" --lockstep "$out/turn" > "$out/pytorch-$r.log" 2>&1 &
    peer=$!
    if ! "$launcher" bench trainer --dataset "$dataset" "${timing[@]}" --json "$out/dualstream-$r.json" \
        --lockstep "$out/turn"; then
      kill "$peer" 2>/dev/null || true
      exit 1
    fi
    wait "$peer"
    echo "-- PyTorch:"
    cat "$out/pytorch-$r.log"
  fi
done

"$venv/bin/python" - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(f"{out}/dualstream-{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{out}/pytorch-{r}.json")) for r in range(1, rounds + 1)]
for r, (a, b) in enumerate(zip(ours, peer), 1):
    pairs = [x / y for x, y in zip(a["window_examples_per_s"], b["window_examples_per_s"])]
    print(f"round {r}: dualstream {a['examples_per_s']:.0f} examples/s, PyTorch {b['examples_per_s']:.0f} "
          f"examples/s, ratio {a['examples_per_s'] / b['examples_per_s']:.2f} "
          f"(window by window: {', '.join(f'{p:.2f}' for p in pairs)})")
a = statistics.median(x["examples_per_s"] for x in ours)
b = statistics.median(x["examples_per_s"] for x in peer)
summary = {"dualstream_examples_per_s": a, "pytorch_examples_per_s": b, "ratio": a / b, "rounds": rounds}
with open(f"{out}/trainer-bench-summary.json", "w") as f:
    json.dump(summary, f, indent=2)
print(f"dualstream / PyTorch sparse path: {a:.0f} / {b:.0f} examples/s = {a / b:.2f}x (median over {rounds} round(s))")
PY
