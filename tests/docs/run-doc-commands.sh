#!/usr/bin/env bash
# Runs the shell commands shown in README.md, docs/*.md and the samples' READMEs, as a reader would.
#
# A command is a line of a fenced block labelled sh, bash, shell or console, or of an unlabelled block whose
# first line starts like a command (dotnet, bash, ./, samples/, benchmarks/, tests/, NETGEN_..., /usr/bin/python3).
# Every command gets the static checks: the files and projects it names exist, a test filter names a test class that
# exists, and the Gradient Lab options it passes are options the lab's --help lists. The quick ones are then run as
# written; the Gradient Lab's full runs are run shortened (one epoch of one variant, into a scratch folder), and the
# long ones are listed with the reason they are not run here.
#
#   bash tests/docs/run-doc-commands.sh            # in this checkout
#   bash tests/docs/run-doc-commands.sh --clone    # in a fresh clone of HEAD (a clean clone: restore and build from scratch);
#                                                  # --clone --static for the static checks only
#   bash tests/docs/run-doc-commands.sh --static   # only the static checks, nothing run but the lab's --help
#
# Ends with one line "N run, N failed, N skipped" and exits non-zero when a check or a run failed.
set -uo pipefail

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || exit 2
mode=run
case "${1:-}" in
  --clone)
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    git clone -q "$top" "$scratch/netgen" || exit 2
    echo "fresh clone of $(git -C "$top" rev-parse --short HEAD) in $scratch/netgen"
    shift
    bash "$scratch/netgen/tests/docs/run-doc-commands.sh" "$@"
    exit $? ;;
  --static) mode=static ;;
  "") ;;
  *) echo "usage: $0 [--clone] [--static]" >&2; exit 2 ;;
esac
cd "$top" || exit 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# file<TAB>command, one per line; a trailing backslash joins lines.
extract() {
  awk '
    FNR == 1 { fence = 0 }
    /^[[:space:]]*```/ {
      if (!fence) {
        fence = 1; first = 1
        lang = $0; sub(/^[[:space:]]*```/, "", lang); sub(/[[:space:]].*$/, "", lang)
        take = (lang == "sh" || lang == "bash" || lang == "shell" || lang == "console")
        unlabelled = (lang == "")
        next
      }
      fence = 0; next
    }
    fence {
      line = $0; sub(/^[[:space:]]+/, "", line); sub(/^\$ /, "", line)
      if (first && unlabelled)
        take = (line ~ /^(dotnet |bash |\.\/|samples\/|benchmarks\/|tests\/|NETGEN_[A-Z_]+=|\/usr\/bin\/python3 )/)
      first = 0
      if (!take || line == "" || line ~ /^#/) next
      if (pending != "") { line = pending " " line; pending = "" }
      if (line ~ /\\$/) { sub(/\\$/, "", line); pending = line; next }
      printf "%s\t%s\n", FILENAME, line
    }
  ' README.md docs/*.md samples/*/README.md
}

# Why a command is not run here, or nothing when it is quick enough to run.
long_reason() {
  case "$1" in
    *"run-doc-commands.sh"*) echo "this script" ;;
    *"NETGEN_ACCEPT_SNAPSHOTS"*|*"NETGEN_WRITE_"*) echo "rewrites committed files (snapshots, reference data, the calibration table)" ;;
    "dotnet test NetGen.sln"*|"bash .ci/run"*) echo "the whole suite (about 2 minutes idle, much more under load); .ci/run runs it word for word" ;;
    *"--filter"*"PackageConsumerTests"*) echo "packs, publishes and runs a consumer (about 60 s, 1 GB of copies); part of the whole suite" ;;
    *"--filter"*"FuzzTests"*) echo "10,000 declarations (30 s idle, minutes under load); part of the whole suite" ;;
    *"--filter"*"CalibrationTests"*) echo "trains 102 networks; part of the whole suite" ;;
    *benchmarks/*) echo "a benchmark (minutes to hours, wants an idle machine); see docs/performance.md" ;;
    *"publish.sh"*|"dotnet publish"*) echo "NativeAOT publish: about 2 minutes, installs clang and zlib1g-dev with apt" ;;
    "./artifacts/aot/"*) echo "runs the NativeAOT publish output, which the publish above makes" ;;
    "/usr/bin/python3"*|"python3"*) echo "needs Debian's python3-torch; writes committed reference files" ;;
    *"twin-distributed.sh"*) echo "trains with torch.distributed: needs Debian's python3-torch, about 1-2 minutes" ;;
    "dotnet nuget add source"*) echo "changes the user's NuGet configuration; the package test does the same with a scratch nuget.config" ;;
    "dotnet add package"*) echo "belongs in the reader's own project; the package test does it with tests/PackageConsumer" ;;
    *"samples/GradientLab"*"--mnist"*) echo "needs the MNIST IDX files, which are not downloaded" ;;
  esac
}

# The options the lab's commands are checked against: its own --help.
if ! lab_help=$(dotnet run --project samples/GradientLab -- --help 2>&1); then
  echo "FAIL the Gradient Lab's --help does not run:"
  tail -n 15 <<<"$lab_help" | sed 's/^/       /'
  echo "0 run, 1 failed, 0 skipped"
  exit 1
fi

# The benchmark program's commands are checked against its own --help too: each subcommand's options. It is built
# once (Release, as the docs run it) and its subcommands' help read up front.
declare -A bench_help
bench_subcommands=$(extract | cut -f2 | grep -E -- '--project benchmarks/NetGen.Benchmarks' |
  sed -E 's/^.* -- +//' | awk '{print ($1 ~ /^-/) ? "(none)" : $1}' | sort -u)
if [ -n "$bench_subcommands" ]; then
  if ! build_log=$(dotnet build benchmarks/NetGen.Benchmarks -c Release -nologo -v:q 2>&1); then
    echo "FAIL the benchmark program does not build:"
    tail -n 15 <<<"$build_log" | sed 's/^/       /'
    echo "0 run, 1 failed, 0 skipped"
    exit 1
  fi
  for sub in $bench_subcommands; do
    [ "$sub" = "(none)" ] && continue
    bench_help[$sub]=$(dotnet benchmarks/NetGen.Benchmarks/bin/Release/net10.0/NetGen.Benchmarks.dll "$sub" --help 2>&1) ||
      bench_help[$sub]="UNKNOWN"
  done
fi

# Static checks; prints one line per problem.
check() {
  local command=$1 word filter name
  for word in $command; do
    word=${word%\"}; word=${word#\"}; word=${word%\'}; word=${word#\'}
    case "$word" in
      artifacts/*|./artifacts/*|*'*'*|/path/*) ;;
      samples/*|src/*|tests/*|benchmarks/*|build/*|docs/*|scripts/*|.ci/*|*.sln|*.csproj|*.sh|*.py)
        [ -e "$word" ] || echo "names '$word', which does not exist" ;;
    esac
  done
  if [[ $command == *"dotnet test"*"--filter"* ]]; then
    filter=$(sed -E 's/.*--filter[ =]+"?([^" ]+)"?.*/\1/' <<<"$command")
    for name in $(tr '|&' '  ' <<<"$filter"); do
      name=${name#*~}; name=${name#*=}; name=${name##*.}
      grep -rqE "(class|namespace) [A-Za-z0-9_.]*\b$name\b" tests/ || echo "filters on '$name', which names no test class or namespace"
    done
  fi
  if [[ $command == *"--project benchmarks/NetGen.Benchmarks"* ]]; then
    local arguments=${command#* -- } sub
    sub=${arguments%% *}
    if [[ $command != *" -- "* || $sub == -* ]]; then
      echo "names no subcommand of the benchmark program (suite, interleaved, memory, monitor-overhead, ...)"
    elif [ "${bench_help[$sub]}" = UNKNOWN ]; then
      echo "names '$sub', which is not a subcommand of the benchmark program"
    else
      arguments=${arguments#"$sub"}
      arguments=${arguments%% -- *}   # BenchmarkDotNet's own arguments follow a second --
      for word in $arguments; do
        case "$word" in
          --*) word=${word%%=*}; grep -qE -- "(^|[ ,])$word( |,|$)" <<<"${bench_help[$sub]}" || echo "passes '$word', which '$sub --help' does not list" ;;
        esac
      done
    fi
  fi
  if [[ $command == *"--project samples/GradientLab"* && $command == *" -- "* ]]; then
    for word in ${command#* -- }; do
      case "$word" in
        --*) word=${word%%=*}; grep -qE -- "(^|[ ,])$word( |,|$)" <<<"$lab_help" || echo "passes '$word', which the Gradient Lab's --help does not list" ;;
      esac
    done
  fi
}

ran=0 failed=0 skipped=0 checked=0
while IFS=$'\t' read -r file command; do
  problems=$(check "$command")
  if [ -n "$problems" ]; then
    failed=$((failed + 1))
    echo "FAIL $file: $command"
    sed 's/^/       /' <<<"$problems"
    continue
  fi

  reason=$(long_reason "$command")
  if [ -n "$reason" ]; then
    skipped=$((skipped + 1))
    echo "skip $file: $command"
    echo "       ($reason)"
    continue
  fi

  run=$command
  note=""
  if [[ $command == "dotnet run --project samples/GradientLab"* && $command != *"--help"* ]]; then
    # The full lab takes about 2 minutes; the same command with one epoch of one variant checks that it runs.
    [[ $command == *" -- "* ]] || run="$run --"
    run="$run --epochs 1 --variants sigmoid --output $work/report"
    note=" (shortened: one epoch of one variant)"
  fi
  if [ "$mode" = static ]; then
    checked=$((checked + 1))
    echo "ok   $file: $command (static checks only)"
    continue
  fi

  start=$SECONDS
  output=$(bash -c "$run" </dev/null 2>&1)
  code=$?
  ran=$((ran + 1))
  if [ "$code" -eq 0 ]; then
    echo "ran  $file: $command$note, $((SECONDS - start)) s"
  else
    failed=$((failed + 1))
    echo "FAIL $file: $command$note, exit code $code"
    tail -n 15 <<<"$output" | sed 's/^/       /'
  fi
done < <(extract)

[ "$mode" = static ] && echo "$checked quick commands checked, not run"
echo "$ran run, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
