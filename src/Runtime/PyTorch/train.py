#!/usr/bin/env python3
"""Data-parallel training of a NetGen PyTorch twin (written by NetGen.PyTorchTwin.Write).

    torchrun --nproc_per_node 2 train.py SimpleNet.py data.safetensors --out run --epochs 5
    python3 train.py SimpleNet.py data.safetensors --out run --epochs 5 --spawn 2

Under torchrun (or any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT: SLURM
scripts, Ray, cloud training services) every process joins an env:// process group. With --spawn N
the script starts N processes itself with torch.multiprocessing.spawn on this machine; without
either it trains in one process. The backend is NCCL when CUDA is available, gloo otherwise.

Data: a safetensors file with the tensors "inputs" (samples first; int64 token ids when the twin declares TOKENS,
floats otherwise) and "targets", as written by NetGen.PyTorchTwin.WriteData; every rank reads it and DistributedSampler gives each rank its share.
After every epoch rank 0 writes, each atomically (temporary file, then rename), into --out:
    <Class>.pt            the state dict, for LoadPyTorchStateDict in .NET or load_state_dict here
    <Class>.safetensors   the same weights, for LoadSafetensors in .NET
    checkpoint.pt         weights, optimiser state and epoch, for --resume
Bad input (wrong shapes, missing tensors, no loss) stops with one line and exit code 2 before any
training. Standard library and torch only.
"""

import argparse
import ctypes
import importlib.util
import json
import os
import socket
import struct
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
CLASS_INDEX_LOSSES = ("cross_entropy", "nll_loss")
OPTIMIZERS = ("adam", "adamw", "sgd")


class UsageError(Exception):
    """A problem with the arguments or the data: reported in one line, exit code 2."""


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description="Train a NetGen PyTorch twin data-parallel.")
    parser.add_argument("twin", help="the twin module written by PyTorchTwin.Write, such as SimpleNet.py")
    parser.add_argument("data", help="safetensors file with the tensors 'inputs' and 'targets'")
    parser.add_argument("--out", required=True, help="directory for the state dicts and the checkpoint")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64, help="per process")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    parser.add_argument("--momentum", type=float, default=0.0, help="for sgd")
    parser.add_argument("--loss", help="a torch.nn.functional loss (cross_entropy, mse_loss, ...); default: the declared [Loss]")
    parser.add_argument("--init-weights", help="start from these weights (.safetensors or .pt), such as the .NET module's")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if it exists")
    parser.add_argument("--spawn", type=int, default=0, metavar="N", help="start N processes on this machine")
    parser.add_argument("--port", type=int, default=0, help="rendezvous port for --spawn (default: a free one)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0 or args.spawn < 0:
        raise UsageError("--epochs and --batch-size must be at least 1, --lr positive and --spawn not negative")
    return args


def load_twin(path):
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such twin module")
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("MODEL", "INPUT_SHAPE", "OUTPUT_SHAPE", "LOSS", "clip_gradients"):
        if not hasattr(module, name):
            raise UsageError(f"{path}: not a NetGen twin (no {name})")
    return module


def read_safetensors(path):
    """Every tensor of a safetensors file, read with the standard library and torch.frombuffer."""
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file")
    with open(path, "rb") as f:
        content = f.read()
    if len(content) < 8:
        raise UsageError(f"{path}: not a safetensors file (shorter than 8 bytes)")
    (header_length,) = struct.unpack("<Q", content[:8])
    if header_length > len(content) - 8:
        raise UsageError(f"{path}: not a safetensors file (header length {header_length} exceeds the file)")
    try:
        header = json.loads(content[8:8 + header_length])
    except ValueError as e:
        raise UsageError(f"{path}: not a safetensors file (header is not JSON: {e})")
    data = memoryview(content)[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(entry.get("dtype"))
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        if dtype is None:
            raise UsageError(f"{path}: tensor {name} has unsupported dtype {entry.get('dtype')}")
        count = 1
        for size in shape:
            count *= size
        if end - begin != count * torch.tensor([], dtype=dtype).element_size() or end > len(data):
            raise UsageError(f"{path}: tensor {name}: data_offsets [{begin}, {end}] do not hold shape {shape}")
        raw = bytearray(data[begin:end])
        flat = torch.frombuffer(raw, dtype=dtype) if count > 0 else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(shape).clone()
    return tensors


def write_atomically(path, write):
    """write(temporary_path), flushed to disk, then renamed over path: readers never see a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        write(temporary)
        with open(temporary, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def remove_leftovers(directory):
    """Temporary files of a job killed while writing (.name.pid.tmp): the files they were for are intact."""
    for entry in os.listdir(directory):
        if entry.startswith(".") and entry.endswith(".tmp") and entry.count(".") >= 3:
            os.remove(os.path.join(directory, entry))


def save_safetensors(state_dict, path):
    """A safetensors file of state_dict, in the format NetGen's LoadSafetensors reads (standard library and torch)."""
    codes = {dtype: code for code, dtype in SAFETENSORS_DTYPES.items()}
    tensors = [(name, t.detach().cpu().contiguous()) for name, t in state_dict.items()]
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, t in tensors:
        length = t.numel() * t.element_size()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + length]}
        offset += length
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)

    def write(temporary):
        with open(temporary, "wb") as f:
            f.write(struct.pack("<Q", len(encoded)))
            f.write(encoded)
            for _, t in tensors:
                f.write(ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))

    write_atomically(path, write)


def load_weights(model, path):
    state = read_safetensors(path) if path.endswith(".safetensors") else torch.load(path, map_location="cpu")
    expected = model.state_dict()
    problems = [f"{k}: missing" for k in expected if k not in state]
    problems += [f"{k}: not in the model" for k in state if k not in expected]
    problems += [f"{k}: expected shape {list(expected[k].shape)}, found {list(state[k].shape)}"
                 for k in expected if k in state and expected[k].shape != state[k].shape]
    if problems:
        raise UsageError(f"{path} does not fit {type(model).__name__}: " + "; ".join(problems))
    model.load_state_dict(state)


def check_data(twin, data_path, loss_name):
    """Loads and checks the data; returns (inputs, targets) or raises UsageError with one line."""
    tensors = read_safetensors(data_path)
    for name in ("inputs", "targets"):
        if name not in tensors:
            raise UsageError(f"{data_path}: no tensor named '{name}' (found: {', '.join(sorted(tensors)) or 'none'})")
    inputs, targets = tensors["inputs"], tensors["targets"]
    model_name = twin.MODEL.__name__
    if tuple(inputs.shape[1:]) != tuple(twin.INPUT_SHAPE) or inputs.dim() < 2:
        raise UsageError(f"{data_path}: inputs have shape {list(inputs.shape)}, but {model_name} takes samples of shape "
                         f"{list(twin.INPUT_SHAPE)}, so inputs must be [samples, {', '.join(map(str, twin.INPUT_SHAPE))}]")
    if targets.dim() < 1 or targets.shape[0] != inputs.shape[0]:
        raise UsageError(f"{data_path}: {inputs.shape[0]} inputs but targets of shape {list(targets.shape)}; "
                         "targets need one entry per sample")
    tokens = getattr(twin, "TOKENS", None)
    if tokens is not None:
        # A network that starts with an Embedding takes int64 token ids from 0 to TOKENS - 1.
        if inputs.is_floating_point():
            raise UsageError(f"{data_path}: inputs are {inputs.dtype}, but {model_name} takes token ids; write them as int64")
        if inputs.numel() > 0 and (int(inputs.min()) < 0 or int(inputs.max()) >= tokens):
            raise UsageError(f"{data_path}: token ids run from {int(inputs.min())} to {int(inputs.max())}, "
                             f"but {model_name}'s embedding has {tokens} rows (ids 0 to {tokens - 1})")
    elif not inputs.is_floating_point():
        raise UsageError(f"{data_path}: inputs are {inputs.dtype}; write them as floating point")
    if loss_name in CLASS_INDEX_LOSSES:
        classes = twin.OUTPUT_SHAPE[0]
        if targets.dim() != 1 or targets.is_floating_point():
            raise UsageError(f"{data_path}: {loss_name} needs one integer class index per sample (shape [{inputs.shape[0]}]), "
                             f"found {targets.dtype} of shape {list(targets.shape)}")
        if targets.numel() > 0 and (int(targets.min()) < 0 or int(targets.max()) >= classes):
            raise UsageError(f"{data_path}: class indices run from {int(targets.min())} to {int(targets.max())}, "
                             f"but {model_name} has {classes} outputs")
        targets = targets.long()
    else:
        if tuple(targets.shape[1:]) != tuple(twin.OUTPUT_SHAPE):
            raise UsageError(f"{data_path}: targets have shape {list(targets.shape)}, but {model_name} outputs samples of shape "
                             f"{list(twin.OUTPUT_SHAPE)} for {loss_name}")
        targets = targets.float()
    return (inputs.long() if tokens is not None else inputs.float()), targets


def resolve_loss(twin, args):
    name = args.loss or twin.LOSS
    if name is None:
        raise UsageError(f"{twin.MODEL.__name__} declares no [Loss]: pass --loss, such as --loss cross_entropy or --loss mse_loss")
    function = getattr(F, name, None)
    if function is None or not callable(function):
        raise UsageError(f"--loss {name}: torch.nn.functional has no such function")
    return name, function


def make_optimizer(model, args):
    if args.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    if args.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=args.lr)
    return torch.optim.Adam(model.parameters(), lr=args.lr)


def train(rank, world, local_rank, args):
    """One process of the data-parallel job; the process group is already initialised."""
    twin = load_twin(args.twin)
    loss_name, loss_function = resolve_loss(twin, args)
    inputs, targets = check_data(twin, args.data, loss_name)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)

    torch.manual_seed(args.seed)
    model = twin.MODEL()
    if args.init_weights:
        load_weights(model, args.init_weights)
    model.to(device)
    optimizer = make_optimizer(model, args)
    name = twin.MODEL.__name__
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    first_epoch = 1
    if args.resume and os.path.isfile(checkpoint_path):
        checkpoint = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        first_epoch = checkpoint["epoch"] + 1
        if rank == 0:
            print(f"resuming {name} after epoch {checkpoint['epoch']} from {checkpoint_path}", flush=True)

    if rank == 0:
        remove_leftovers(args.out)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None)
    sampler = DistributedSampler(TensorDataset(inputs, targets), num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=args.batch_size, sampler=sampler, drop_last=False)
    if rank == 0:
        print(f"training {name} on {len(inputs)} samples: {world} process(es), backend {dist.get_backend()}, "
              f"{args.optimizer} lr {args.lr}, batch {args.batch_size} per process, loss {loss_name}", flush=True)

    for epoch in range(first_epoch, args.epochs + 1):
        sampler.set_epoch(epoch)
        ddp.train()
        totals = torch.zeros(3, dtype=torch.float64, device=device)  # loss sum, samples, largest gradient norm
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(ddp(x), y)
            loss.backward()
            norm = twin.clip_gradients(model)  # after backward: DDP has averaged the gradients over all ranks
            optimizer.step()
            totals[0] += loss.item() * len(x)
            totals[1] += len(x)
            totals[2] = max(float(totals[2]), norm)
        dist.all_reduce(totals[:2], op=dist.ReduceOp.SUM)
        if rank == 0:
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            write_atomically(os.path.join(args.out, name + ".pt"), lambda p: torch.save(state, p))
            save_safetensors(state, os.path.join(args.out, name + ".safetensors"))
            checkpoint = {"model": state, "optimizer": optimizer.state_dict(), "epoch": epoch}
            write_atomically(checkpoint_path, lambda p: torch.save(checkpoint, p))
            # Printed once the checkpoint is on disk: a job killed after this line resumes after this epoch.
            print(f"epoch {epoch}/{args.epochs}: mean loss {float(totals[0] / totals[1]):.6f}, "
                  f"largest gradient norm {float(totals[2]):.4f}, saved", flush=True)
        dist.barrier()


def run_process(rank, world, args):
    """Entry point of a process started by --spawn: joins the group over 127.0.0.1, then trains."""
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(args.port)
    os.environ["RANK"] = str(rank)
    os.environ["WORLD_SIZE"] = str(world)
    os.environ["LOCAL_RANK"] = str(rank)
    run_in_group(args)


def run_in_group(args):
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world)
    try:
        train(rank, world, local_rank, args)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None):
    try:
        args = parse_arguments(argv)
        # Check everything in the launching process, so bad input stops before any worker starts.
        twin = load_twin(args.twin)
        loss_name, _ = resolve_loss(twin, args)
        check_data(twin, args.data, loss_name)
        if args.init_weights:
            load_weights(twin.MODEL(), args.init_weights)
        os.makedirs(args.out, exist_ok=True)
    except UsageError as e:
        print(f"train.py: {e}", file=sys.stderr)
        return 2

    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        run_in_group(args)  # started by torchrun or another env:// launcher
    elif args.spawn > 0:
        args.port = args.port or free_port()
        mp.spawn(run_process, args=(args.spawn, args), nprocs=args.spawn, join=True)
    else:
        args.port = args.port or free_port()
        run_process(0, 1, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
