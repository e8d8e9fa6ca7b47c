#!/usr/bin/env bash
# Train past one machine, end to end on this one (docs/pytorch-twin.md):
#   1. .NET writes SimpleNet's PyTorch twin, train.py, the training data and its initial weights
#   2. torchrun --nproc_per_node 2 (recorded: Debian's PyTorch 1.13 launcher crashes on Python 3.11), and the
#      env:// rendezvous torchrun would do, by two processes started with RANK/WORLD_SIZE/MASTER_* set by hand
#   3. the same script with --spawn 2: two processes, DistributedDataParallel over gloo on CPU
#   4. a run killed with SIGKILL after a checkpoint, resumed with --resume
#   5. a data file with the wrong shapes: one line and exit code 2 before training
#   6. PyTorch's outputs with the trained weights; .NET loads the same weights and must give the same outputs
#      (within 1e-5) and a lower loss than the initial weights
# Needs the .NET SDK and Debian's python3-torch (apt-get install -y python3-torch). Takes about a minute on a
# 2-core machine. Usage: scripts/twin-distributed.sh [WORK_DIRECTORY]   (default: a new temporary directory)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$(mktemp -d -t netgen-twin.XXXXXX)}"
PYTHON=/usr/bin/python3
EPOCHS=4
mkdir -p "$WORK"
cd "$WORK"
TRAIN=(train.py SimpleNet.py data.safetensors --loss cross_entropy --batch-size 64 --lr 1e-3 --optimizer adam
       --init-weights initial.safetensors)

echo "== 1. .NET writes the twin, train.py, the data and the initial weights into $WORK"
dotnet run --project "$ROOT/samples/TwinRoundTrip" -c Release -- prepare "$WORK"

echo "== 2. torchrun --nproc_per_node 2"
if timeout 300 torchrun --nproc_per_node 2 "${TRAIN[@]}" --out torchrun --epochs 1 >torchrun.log 2>&1; then
    echo "torchrun trained:"; grep -E "^(training|epoch)" torchrun.log
else
    echo "torchrun failed (exit $?): $(grep -E "Error" torchrun.log | tail -1)"
    echo "(the spawn fallback below starts the same processes itself; on a cluster torchrun or SLURM sets RANK/WORLD_SIZE)"
fi

echo "== 2b. the env:// path torchrun takes, with its variables set by hand (as SLURM batch scripts do)"
port=$($PYTHON -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ranks=()
for rank in 0 1; do
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
        $PYTHON "${TRAIN[@]}" --out env --epochs 1 &
    ranks+=($!)
done
for pid in "${ranks[@]}"; do wait "$pid"; done

echo "== 3. --spawn 2: two processes over gloo, $EPOCHS epochs"
start=$(date +%s%N)
$PYTHON "${TRAIN[@]}" --out run --spawn 2 --epochs "$EPOCHS"
echo "took $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== 4. a killed run resumes from its last checkpoint"
rm -rf killed
setsid $PYTHON "${TRAIN[@]}" --out killed --spawn 2 --epochs 8 >killed.log 2>&1 &
launcher=$!
for _ in $(seq 1 600); do
    grep -q "^epoch 2/8" killed.log 2>/dev/null && break
    sleep 0.1
done
if kill -0 "$launcher" 2>/dev/null; then
    kill -KILL -- "-$launcher"   # the launcher and both workers: its own process group
    wait "$launcher" 2>/dev/null || true
    echo "killed the job (SIGKILL to every process) after:"; grep -E "^epoch" killed.log
else
    echo "the job finished before it could be killed"; cat killed.log; exit 1
fi
$PYTHON "${TRAIN[@]}" --out killed --spawn 2 --epochs 8 --resume

echo "== 5. a data file with the wrong shapes"
set +e
$PYTHON train.py SimpleNet.py wrong-shape.safetensors --out wrong --loss cross_entropy --spawn 2
echo "exit code $?"
set -e

echo "== 6. PyTorch's outputs with the trained weights, then the same weights in .NET"
$PYTHON - <<'PY'
import importlib.util, sys
import torch
sys.path.insert(0, ".")
import train
spec = importlib.util.spec_from_file_location("SimpleNet", "SimpleNet.py")
twin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(twin)
model = twin.MODEL()
model.load_state_dict(torch.load("run/SimpleNet.pt"))
model.eval()
with torch.no_grad():
    outputs = model(train.read_safetensors("data.safetensors")["inputs"][:256])
train.save_safetensors({"outputs": outputs}, "pytorch_outputs.safetensors")
print(f"PyTorch {torch.__version__}: outputs of the trained twin for 256 samples written to pytorch_outputs.safetensors")
PY
dotnet run --project "$ROOT/samples/TwinRoundTrip" -c Release --no-build -- check "$WORK" "$WORK/run"
