#!/usr/bin/env bash
# Publishes samples/AotInference with NativeAOT for linux-x64 and runs it.
# NativeAOT links with clang (gcc is the fallback) and needs zlib's headers; on Debian/Ubuntu this installs
# them when missing (root, or sudo). Output: artifacts/aot/AotInference, about 4 MB, plus TorchSharp's
# native libraries (libtorch, about 480 MB) beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v clang >/dev/null || [ ! -e /usr/include/zlib.h ]; then
  echo "Installing the NativeAOT prerequisites: clang zlib1g-dev"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq clang zlib1g-dev >/dev/null
fi

dotnet publish samples/AotInference/AotInference.csproj -c Release -r linux-x64 -o artifacts/aot
./artifacts/aot/AotInference
