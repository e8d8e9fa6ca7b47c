#!/usr/bin/env bash
# The generator's cost in fresh processes, two generator builds alternating (A, B, A, B, ...), by the CPU time
# of the thread that runs it: cold (first run in the process) and warm (median of 5 more). Medians over R rounds.
#
#   benchmarks/scripts/generator-cold.sh A.dll B.dll [R] [N ...]     (R: 3; N: 1 100 1000)
#
# e.g. A = a copy of src/Generator/bin/Release/netstandard2.0/NetGen.Generator.dll before a change, B = after.
# Needs `dotnet build -c Release benchmarks/NetGen.Benchmarks` first.
#
# The compiler: by default the SDK's own (the Microsoft.CodeAnalysis assemblies csc runs, ReadyToRun-compiled, from
# `dotnet --version`'s Roslyn/bincore folder), swapped into a temporary copy of the benchmark, so the compiler's code
# is the precompiled code a real build runs and only the generator and what it instantiates is JIT-compiled.
# NETGEN_COMPILER=package keeps the benchmark's Microsoft.CodeAnalysis package (JIT-compiled, as an IDE or test host
# that loads it from NuGet runs it). Both use workstation GC, which collects on the thread that allocates, so the
# collections the generator causes are in its CPU time (csc itself runs server GC, which collects on threads of its own).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
a="${1:?usage: generator-cold.sh A.dll B.dll [R] [N ...]}"; b="${2:?usage: generator-cold.sh A.dll B.dll [R] [N ...]}"
rounds="${3:-3}"; shift $(( $# >= 3 ? 3 : $# )); sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1 100 1000)
for f in "$a" "$b"; do [ -f "$f" ] || { echo "error: '$f' does not exist" >&2; exit 2; }; done
bench="$repo/benchmarks/NetGen.Benchmarks/bin/Release/net10.0/NetGen.Benchmarks.dll"
[ -f "$bench" ] || { echo "error: build benchmarks/NetGen.Benchmarks in Release first" >&2; exit 2; }
compiler="${NETGEN_COMPILER:-sdk}"
case "$compiler" in
  package) ;;
  sdk)
    bincore="$(dirname "$(readlink -f "$(command -v dotnet)")")/sdk/$(dotnet --version)/Roslyn/bincore"
    [ -f "$bincore/Microsoft.CodeAnalysis.CSharp.dll" ] || { echo "error: no compiler in '$bincore'; use NETGEN_COMPILER=package" >&2; exit 2; }
    copy=$(mktemp -d)
    trap 'rm -rf "$copy"' EXIT
    cp -r "$(dirname "$bench")/." "$copy/"
    cp "$bincore/Microsoft.CodeAnalysis.dll" "$bincore/Microsoft.CodeAnalysis.CSharp.dll" "$copy/"
    bench="$copy/NetGen.Benchmarks.dll" ;;
  *) echo "error: NETGEN_COMPILER must be sdk or package, not '$compiler'" >&2; exit 2 ;;
esac
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
echo "A: $a"; echo "B: $b"; [ "$compiler" = sdk ] && echo "compiler: the SDK's, $bincore" || echo "compiler: the benchmark's Microsoft.CodeAnalysis package"
printf '| build | classes | cold wall (ms) | cold CPU (ms) | cold CPU per class (ms) | warm wall (ms) | warm CPU (ms) | warm CPU per class (ms) | cold MB allocated | warm MB allocated |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for which in A B; do
  for n in "${sizes[@]}"; do
    awk -v w="$which" -v n="$n" -F'\t' '$1 == w && $2 == n { cw[++k] = $3; cc[k] = $4; ww[k] = $5; wc[k] = $6; ca[k] = $9; wa[k] = $10 }
      function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((k + 1) / 2)] }
      END { c = med(cc, k); wcm = med(wc, k); printf "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.3f | %.1f | %.1f |\n", w, n, med(cw, k), c, c / n, med(ww, k), wcm, wcm / n, med(ca, k), med(wa, k) }' "$out"
  done
done
# Per further class: the difference between the largest and the smallest size, round by round (cold CPU), with the
# rounds' median and range: one round's estimate moves by a few tenths of a millisecond.
if [ ${#sizes[@]} -ge 2 ]; then
  lo="${sizes[0]}"; hi="${sizes[${#sizes[@]}-1]}"
  for which in A B; do
    awk -v w="$which" -v lo="$lo" -v hi="$hi" -F'\t' '$1 == w && $2 == lo { a[++i] = $4 } $1 == w && $2 == hi { b[++j] = $4 }
      END { for (r = 1; r <= i && r <= j; r++) { d[r] = (b[r] - a[r]) / (hi - lo); s = s sprintf(" %.2f", d[r]) }
            k = r - 1; for (p = 1; p <= k; p++) for (q = p + 1; q <= k; q++) if (d[q] < d[p]) { t = d[p]; d[p] = d[q]; d[q] = t }
            printf "%s: cold CPU per further class from %s to %s classes, by round:%s ms (median %.2f, range %.2f-%.2f)\n", w, lo, hi, s, d[int((k + 1) / 2)], d[1], d[k] }' "$out"
  done
fi
rm -f "$out"
