#!/usr/bin/env bash
# Generator and analyzer cost in a real build: writes a throwaway library with N NetGen network classes
# (one per file, the same declarations as Generator/NetworkSources.cs), builds it once to restore and build
# its dependencies, then rebuilds only it with -p:ReportAnalyzer=true -v:d and prints the compiler's own
# timing of NetGen's generator and analyzer, and the csc task's total.
#
#   benchmarks/generator-build.sh [N ...]        (default: 1 100 1000; work folder $NETGEN_GENBUILD_DIR or a temp dir)
#
# NETGEN_SHARED_COMPILER=1: build with the resident compiler server (-p:UseSharedCompilation=true, the SDK's
# default, which an environment may turn off), after one warm-up rebuild, so the generator is already loaded
# and JIT-compiled as in a developer's second build. The server stays up until its idle timeout.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1 100 1000)
work="${NETGEN_GENBUILD_DIR:-$(mktemp -d /tmp/netgen-genbuild.XXXXXX)}"
mkdir -p "$work"
echo "work folder: $work"
printf '| network classes | NetGen generator (s) | NetGen analyzer (s) | all generators (s) | all analyzers (s) | csc task (s) |\n|---:|---:|---:|---:|---:|---:|\n' > "$work/results.md"

for n in "${sizes[@]}"; do
  case "$n" in ''|*[!0-9]*) echo "error: '$n' is not a number of network classes" >&2; exit 2;; esac
  dir="$work/n$n"
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/GenBuild.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <NoWarn>\$(NoWarn);CS1591</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/Attributes/NetGen.Attributes.csproj" />
    <ProjectReference Include="$repo/src/Runtime/NetGen.Runtime.csproj" />
    <ProjectReference Include="$repo/src/Generator/NetGen.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
  </ItemGroup>
</Project>
XML
  for ((i = 0; i < n; i++)); do
    if (( i % 2 == 0 )); then
      printf 'using NetGen;\nnamespace Bench;\n[Linear(%d, 300), ReLU, BatchNorm]\n[Linear(300, 100), ReLU, BatchNorm]\n[Linear(100, 10)]\npublic partial class Net%d;\n' $((i + 1)) "$i" > "$dir/Net$i.cs"
    else
      printf 'using NetGen;\nnamespace Bench;\n[Linear(%d, 64), ReLU]\n[Linear(64), ReLU]\n[Linear(64), ReLU]\n[Linear(64), ReLU]\n[Linear(1)]\n[ClipGradNorm(1.0)]\npublic partial class Net%d;\n' $((i + 1)) "$i" > "$dir/Net$i.cs"
    fi
  done
  echo "namespace Bench; public static class Unrelated { public static int Version => 0; }" > "$dir/Unrelated.cs"

  shared=()
  [ "${NETGEN_SHARED_COMPILER:-0}" = 1 ] && shared=(-p:UseSharedCompilation=true)
  dotnet build "$dir/GenBuild.csproj" -c Release -nologo -v:q "${shared[@]}" > "$dir/first-build.log" 2>&1 || { cat "$dir/first-build.log"; exit 1; }
  if [ ${#shared[@]} -gt 0 ]; then
    echo "namespace Bench; public static class Unrelated { public static int Version => 2; }" > "$dir/Unrelated.cs"
    dotnet build "$dir/GenBuild.csproj" -c Release -nologo --no-dependencies -v:q "${shared[@]}" > "$dir/warm-build.log" 2>&1 || { cat "$dir/warm-build.log"; exit 1; }
  fi
  echo "namespace Bench; public static class Unrelated { public static int Version => 1; }" > "$dir/Unrelated.cs"
  dotnet build "$dir/GenBuild.csproj" -c Release -nologo --no-dependencies -p:ReportAnalyzer=true -v:d -clp:PerformanceSummary "${shared[@]}" > "$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 1; }

  set +o pipefail  # a missing line is reported as "?", not a failure
  # The compiler prints "Total analyzer execution time: X seconds." and "Total generator execution time: ...",
  # then one line per analyzer/generator with its seconds in the first column.
  total_analyzers=$(grep -m1 -oE 'Total analyzer execution time: *[0-9.]+' "$dir/build.log" | grep -oE '[0-9.]+$' || echo "?")
  total_generators=$(grep -m1 -oE 'Total generator execution time: *[0-9.]+' "$dir/build.log" | grep -oE '[0-9.]+$' || echo "?")
  generator=$(grep -E '^\s*[0-9.<]+ +[0-9<]+ +NetGen.Generator.NetworkGenerator' "$dir/build.log" | head -1 | awk '{print $1}')
  analyzer=$(grep -E '^\s*[0-9.<]+ +[0-9<]+ +NetGen.Generator.Analyzers.NetworkDeclarationAnalyzer' "$dir/build.log" | head -1 | awk '{print $1}')
  csc=$(grep -E '^\s*[0-9]+ ms +Csc +[0-9]+ calls' "$dir/build.log" | head -1 | awk '{printf "%.2f", $1 / 1000}')
  set -o pipefail
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "${generator:-?}" "${analyzer:-?}" "$total_generators" "$total_analyzers" "${csc:-?}" | tee -a "$work/results.md"
done
echo
cat "$work/results.md"
