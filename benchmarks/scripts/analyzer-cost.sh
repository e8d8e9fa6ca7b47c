#!/usr/bin/env bash
# Measures what NetGen's generator and analyzers cost in a real build: writes a throwaway class library
# with N network classes (default 1,000) to a temporary folder, builds it with the real compiler and
# -p:ReportAnalyzer=true, and prints the compiler's own timing table for NetGen's generator and analyzers.
#
#   benchmarks/scripts/analyzer-cost.sh [networks] [output-folder]
#
# The networks cycle through eight shapes (2 to 12 layers: ReLU, Sigmoid and Tanh stacks, BatchNorm,
# clipping, one invalid declaration in eight), so every analyzer path runs, including the gradient-flow
# prediction. The environment sets UseSharedCompilation=false, so each build is a cold compiler process:
# the numbers include JIT start-up.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
count="${1:-1000}"
out="${2:-$(mktemp -d /tmp/netgen-analyzer-cost.XXXXXX)}"
case "$count" in ''|*[!0-9]*) echo "analyzer-cost.sh: the number of networks must be a whole number, got '$count'" >&2; exit 2 ;; esac

mkdir -p "$out"
cat > "$out/AnalyzerCost.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <!-- The invalid and risky networks are on purpose: report, do not fail (and do not suppress:
         Roslyn skips an analyzer whose every diagnostic is suppressed). -->
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/Attributes/NetGen.Attributes.csproj" />
    <ProjectReference Include="$repo/src/Runtime/NetGen.Runtime.csproj" />
    <ProjectReference Include="$repo/src/Generator/NetGen.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" SetConfiguration="Configuration=Release" />
  </ItemGroup>
</Project>
PROJECT

# One network in eight is invalid on purpose (NG0101); as a warning it does not stop the build.
printf 'root = true\n\n[*.cs]\ndotnet_diagnostic.NG0101.severity = warning\n' > "$out/.editorconfig"

python3 - "$out/Networks.cs" "$count" <<'PY'
import sys
path, count = sys.argv[1], int(sys.argv[2])
shapes = [
    lambda: ["[Linear(784, 256), ReLU, BatchNorm]", "[Linear(256, 64), ReLU, BatchNorm]", "[Linear(64, 10)]"],
    lambda: ["[Linear(64, 64), Sigmoid]"] * 6 + ["[Linear(64, 10)]"],
    lambda: ["[Linear(128, 128), Tanh]"] * 10 + ["[Linear(128, 10)]", "[ClipGradNorm(1.0)]"],
    lambda: ["[Linear(32, 32), ReLU]"] * 12 + ["[Linear(32, 2)]"],
    lambda: ["[Linear(16, 32, Bias = false), BatchNorm, Sigmoid]", "[Linear(32), BatchNorm, Sigmoid]", "[Linear(1)]"],
    lambda: ["[Linear(100, 50), ReLU, ReLU]", "[Linear(50, 20), Linear(20, 5)]"],
    lambda: ["[Linear(10, 10), Tanh]", "[Linear(10, 3)]"],
    lambda: ["[Linear(8, 4), ReLU]", "[Linear(5, 2)]"],  # NG0101: 4 outputs into 5 inputs
]
with open(path, "w") as f:
    f.write("using NetGen;\nnamespace AnalyzerCost;\n\n")
    for i in range(count):
        f.write("\n".join(shapes[i % len(shapes)]()) + f"\npublic partial class Net{i};\n\n")
PY

echo "Building $count networks in $out ..." >&2
log="$out/build.log"
# A first build restores, builds the referenced projects (the generator in Release) and warms the disk cache;
# the measured build then recompiles only this project.
dotnet build "$out/AnalyzerCost.csproj" -v:q -nologo > "$out/first-build.log" 2>&1 || {
  echo "analyzer-cost.sh: the first build failed; see $out/first-build.log" >&2; exit 1; }
start=$(date +%s.%N)
dotnet build "$out/AnalyzerCost.csproj" --no-restore --no-dependencies --no-incremental -p:ReportAnalyzer=true -v:d -nologo > "$log" 2>&1 || {
  echo "analyzer-cost.sh: the build failed; see $log" >&2; exit 1; }
end=$(date +%s.%N)

echo "networks: $count"
echo "build wall time (this project only, cold compiler process): $(python3 -c "print(f'{$end - $start:.1f} s')")"
# The compiler's own tables: totals, then NetGen's assembly and each of its analyzers and its generator.
grep -E 'Total (analyzer|generator) execution time|NetGen\.Generator' "$log" | grep -vE 'Target|Task|Project|\.csproj|/' | sed -E 's/^ +//'
echo "NetGen diagnostics reported: $(grep -oE '(warning|error|info) NG[0-9]{4}' "$log" | sort | uniq -c | awk '{printf "%s %s %s; ", $1, $2, $3}')"
echo "full log: $log"
