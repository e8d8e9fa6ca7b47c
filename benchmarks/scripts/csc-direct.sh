#!/usr/bin/env bash
# Where the generator's real-build time goes: re-runs the exact compiler command line of a project that
# benchmarks/generator-build.sh built (taken from its build.log), straight, without MSBuild, in variants,
# and prints the wall and CPU time of each compiler process (median of R runs) and the compiler's own
# per-generator report. Every run is a fresh compiler process (what UseSharedCompilation=false gives).
#
#   benchmarks/scripts/csc-direct.sh DIR [R]     DIR: a folder generator-build.sh made (e.g. $work/n1000); R: runs (3)
#   GENERATOR_DLL=path/NetGen.Generator.dll VARIANTS="as-built" benchmarks/scripts/csc-direct.sh DIR   (another generator build)
#
# Variants: "as built" (with /reportanalyzer), "no report" (without it), "NetGen last" (NetGen's /analyzer:
# moved after the SDK's generators, to see whether the first generator pays for shared work), "without
# NetGen" (its /analyzer: removed: the classes stay empty partial classes; "without-netgen-report" keeps
# /reportanalyzer), "pregenerated" (without NetGen, but with the files NetGen generates added as ordinary
# sources: the difference to "no-report" is the generator's whole cost in the real compiler), "hand-written"
# (the same networks as hand-written TorchSharp modules instead, without NetGen), "tiering-off" and "pgo-off" (as built, with DOTNET_TieredCompilation=0 or DOTNET_TieredPGO=0:
# how much of the time is code running unoptimised in a short-lived process). VARIANTS="a b" picks some.
# The difference between "no report" and "without NetGen" is what NetGen costs a real compile.
# SKIP_ANALYZERS=1 adds /skipanalyzers+ to every variant: the compile and the generators without any analyzer.
set -euo pipefail
dir="${1:?usage: csc-direct.sh DIR [R]}"; runs="${2:-3}"
cd "$dir"
line=$(grep -m1 "Roslyn/bincore/csc /noconfig" build.log | sed 's/^ *//')
[ -n "$line" ] || { echo "error: no csc command line in $dir/build.log (run generator-build.sh first)" >&2; exit 2; }
netgen=$(echo "$line" | grep -oE '/analyzer:[^ ]*NetGen\.Generator\.dll')
if [ -n "${GENERATOR_DLL:-}" ]; then
  # Another build of the generator (e.g. before and after a change), same project and compiler.
  [ -f "$GENERATOR_DLL" ] || { echo "error: GENERATOR_DLL '$GENERATOR_DLL' does not exist" >&2; exit 2; }
  line="${line//$netgen//analyzer:$GENERATOR_DLL}"
  netgen="/analyzer:$GENERATOR_DLL"
fi
variant() {
  case "$1" in
    as-built) echo "$line" ;;
    no-report) echo "$line" | sed 's# /reportanalyzer##' ;;
    netgen-last) echo "$line" | sed "s# $netgen##; s#\$# $netgen#" ;;
    without-netgen) echo "$line" | sed "s# /reportanalyzer##; s# $netgen##" ;;
    without-netgen-report) echo "$line" | sed "s# $netgen##" ;;
    tiering-off|pgo-off) echo "$line" ;;
    hand-written)
      # The same networks written by hand as a careful TorchSharp programmer would (as the benchmarks'
      # HandWrittenNetworks.cs: fields, RegisterComponents, forward with using), instead of the NetGen
      # declarations, compiled without NetGen: what the code a user would otherwise write costs to compile.
      mkdir -p hand
      for f in Net*.cs; do
        i=${f#Net}; i=${i%.cs}
        [ -f "hand/$f" ] && continue
        if (( i % 2 == 0 )); then
          printf 'using TorchSharp;\nusing TorchSharp.Modules;\nusing static TorchSharp.torch;\nusing F = TorchSharp.torch.nn.functional;\nnamespace Bench;\npublic sealed class Net%d : nn.Module<Tensor, Tensor>\n{\n    private readonly Linear fc1 = nn.Linear(%d, 300);\n    private readonly BatchNorm1d bn1 = nn.BatchNorm1d(300);\n    private readonly Linear fc2 = nn.Linear(300, 100);\n    private readonly BatchNorm1d bn2 = nn.BatchNorm1d(100);\n    private readonly Linear fc3 = nn.Linear(100, 10);\n    public Net%d() : base(nameof(Net%d)) => RegisterComponents();\n    public override Tensor forward(Tensor input)\n    {\n        using var x1 = fc1.forward(input);\n        using var x2 = F.relu(x1);\n        using var x3 = bn1.forward(x2);\n        using var x4 = fc2.forward(x3);\n        using var x5 = F.relu(x4);\n        using var x6 = bn2.forward(x5);\n        return fc3.forward(x6);\n    }\n}\n' "$i" $((i + 1)) "$i" "$i" > "hand/$f"
        else
          printf 'using TorchSharp;\nusing TorchSharp.Modules;\nusing static TorchSharp.torch;\nusing F = TorchSharp.torch.nn.functional;\nnamespace Bench;\npublic sealed class Net%d : nn.Module<Tensor, Tensor>\n{\n    private readonly Linear fc1 = nn.Linear(%d, 64);\n    private readonly Linear fc2 = nn.Linear(64, 64);\n    private readonly Linear fc3 = nn.Linear(64, 64);\n    private readonly Linear fc4 = nn.Linear(64, 64);\n    private readonly Linear fc5 = nn.Linear(64, 1);\n    public Net%d() : base(nameof(Net%d)) => RegisterComponents();\n    public double ClipGradients() => nn.utils.clip_grad_norm_(parameters(), 1.0);\n    public override Tensor forward(Tensor input)\n    {\n        using var x1 = fc1.forward(input);\n        using var x2 = F.relu(x1);\n        using var x3 = fc2.forward(x2);\n        using var x4 = F.relu(x3);\n        using var x5 = fc3.forward(x4);\n        using var x6 = F.relu(x5);\n        using var x7 = fc4.forward(x6);\n        using var x8 = F.relu(x7);\n        return fc5.forward(x8);\n    }\n}\n' "$i" $((i + 1)) "$i" "$i" > "hand/$f"
        fi
      done
      echo "$line" | sed "s# /reportanalyzer##; s# $netgen##; s#\(/[^ ]*\)\?/\?\(Net[0-9]*\.cs\)#hand/\2#g" ;;
    pregenerated)
      # NetGen's output as ordinary source files, compiled without NetGen: what the same code costs when
      # nobody has to generate it (written by hand, or checked in).
      if [ -z "$(find generated -name '*.cs' 2>/dev/null | head -1)" ]; then
        echo "$line" | sed 's#^[^ ]* ##; s#^/noconfig ##' > gen.rsp
        echo "/generatedfilesout:generated" >> gen.rsp
        mkdir -p generated/NetGen.Generator/NetGen.Generator.NetworkGenerator   # csc does not create it
        "${line%% *}" @gen.rsp > gen.log 2>&1 || { tail -5 gen.log >&2; exit 1; }
      fi
      echo "$line $(find generated -path '*NetGen.Generator*' -name '*.cs' | sort | tr '\n' ' ')" | sed "s# /reportanalyzer##; s# $netgen##" ;;
    *) echo "error: unknown variant '$1'" >&2; exit 2 ;;
  esac
}
printf '| variant | runs | wall (s, median) | CPU user+sys (s, median) | NetGen generator (s, reported) | all generators (s, reported) |\n|---|---:|---:|---:|---:|---:|\n'
for v in ${VARIANTS:-as-built no-report netgen-last without-netgen}; do
  cmd=$(variant "$v")
  [ "${SKIP_ANALYZERS:-0}" = 1 ] && cmd="$cmd /skipanalyzers+"
  walls=(); cpus=(); gens=(); alls=()
  for ((r = 0; r < runs; r++)); do
    rm -f obj/Release/net10.0/GenBuild.dll
    # The arguments go through a response file, as MSBuild passes them (a shell would split /define:A;B).
    echo "${cmd#* }" | sed 's#^/noconfig ##' > "csc-$v.rsp"   # /noconfig is ignored (CS2023) in a response file
    # tiering-off: the JIT compiles every method fully optimised at once (no tier-0 code, no tier-1 re-JIT);
    # pgo-off: tiered, but without the instrumented tier that .NET 8+ puts between tier 0 and tier 1.
    env=()
    [ "$v" = tiering-off ] && env=(DOTNET_TieredCompilation=0)
    [ "$v" = pgo-off ] && env=(DOTNET_TieredPGO=0)
    /usr/bin/time -f '%e %U %S' -o time.out env "${env[@]}" "${cmd%% *}" "@csc-$v.rsp" > "csc-$v.log" 2>&1 || { tail -5 "csc-$v.log"; exit 1; }
    read -r wall user sys < time.out
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc)")
    gens+=("$(grep -E '^\s*[0-9.<]+ +[0-9<]+ +NetGen.Generator.NetworkGenerator' "csc-$v.log" | head -1 | awk '{print $1}' || true)")
    alls+=("$(grep -m1 -oE 'Total generator execution time: *[0-9.]+' "csc-$v.log" | grep -oE '[0-9.]+$' || true)")
  done
  med() { printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "–"; else print a[int((NR + 1) / 2)]}'; }
  printf '| %s | %d | %s | %s | %s | %s |\n' "$v" "$runs" "$(med "${walls[@]}")" "$(med "${cpus[@]}")" "$(med "${gens[@]}")" "$(med "${alls[@]}")"
done
