#!/usr/bin/env bash
# Trains SimpleNet with TorchSharp and exports it to ONNX (samples/SimpleNet), then publishes samples/OnnxApp with
# NativeAOT for linux-x64 and runs it on the exported file. NativeAOT links with clang and needs zlib's headers;
# on Debian/Ubuntu this installs them when missing (root, or sudo). Output: artifacts/onnx-aot/OnnxApp plus
# ONNX Runtime's native library, and artifacts/onnx-aot/simplenet.onnx.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v clang >/dev/null || [ ! -e /usr/include/zlib.h ]; then
  echo "Installing the NativeAOT prerequisites: clang zlib1g-dev"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq clang zlib1g-dev >/dev/null
fi

mkdir -p artifacts/onnx-aot
dotnet run --project samples/SimpleNet -c Release -- --export-onnx artifacts/onnx-aot/simplenet.onnx
dotnet publish samples/OnnxApp/OnnxApp.csproj -c Release -r linux-x64 -o artifacts/onnx-aot
./artifacts/onnx-aot/OnnxApp artifacts/onnx-aot/simplenet.onnx
