#!/usr/bin/env bash
# The generator's cost in fresh processes, two generator builds alternating (A, B, A, B, ...), by the CPU time
# of the thread that runs it: cold (first run in the process) and warm (median of 5 more). Medians over R rounds.
#
#   benchmarks/scripts/generator-cold.sh A.dll B.dll [R] [N ...]     (R: 3; N: 1 100 1000)
#
# e.g. A = a copy of src/Generator/bin/Release/netstandard2.0/NetGen.Generator.dll before a change, B = after.
# Needs `dotnet build -c Release benchmarks/NetGen.Benchmarks` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
a="${1:?usage: generator-cold.sh A.dll B.dll [R] [N ...]}"; b="${2:?usage: generator-cold.sh A.dll B.dll [R] [N ...]}"
rounds="${3:-3}"; shift $(( $# >= 3 ? 3 : $# )); sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1 100 1000)
for f in "$a" "$b"; do [ -f "$f" ] || { echo "error: '$f' does not exist" >&2; exit 2; }; done
bench="$repo/benchmarks/NetGen.Benchmarks/bin/Release/net10.0/NetGen.Benchmarks.dll"
[ -f "$bench" ] || { echo "error: build benchmarks/NetGen.Benchmarks in Release first" >&2; exit 2; }
out=$(mktemp)
echo "load before: $(uptime)"
for ((r = 0; r < rounds; r++)); do
  for n in "${sizes[@]}"; do
    for which in A B; do
      dll="$a"; [ "$which" = B ] && dll="$b"
      printf '%s\t%s\n' "$which" "$(dotnet "$bench" generator-cold "$n" --generator-dll "$dll")" >> "$out"
    done
  done
done
echo "load after: $(uptime)"
echo "A: $a"; echo "B: $b"
printf '| build | classes | cold wall (ms) | cold CPU (ms) | cold CPU per class (ms) | warm wall (ms) | warm CPU (ms) | warm CPU per class (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
for which in A B; do
  for n in "${sizes[@]}"; do
    awk -v w="$which" -v n="$n" -F'\t' '$1 == w && $2 == n { cw[++k] = $3; cc[k] = $4; ww[k] = $5; wc[k] = $6 }
      function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((k + 1) / 2)] }
      END { c = med(cc, k); wcm = med(wc, k); printf "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.3f |\n", w, n, med(cw, k), c, c / n, med(ww, k), wcm, wcm / n }' "$out"
  done
done
rm -f "$out"
