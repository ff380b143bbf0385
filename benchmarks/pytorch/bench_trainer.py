"""The dualstream benchmark model in PyTorch, timed the way `dualstream bench trainer` times it.

Reads the batches that `dualstream bench trainer --export-batches DIR` wrote (DIR/queries.npy and
DIR/documents.npy: int32 feature ids, 0 = padding, row i of each = pair i, consecutive blocks of
--batch-size rows = batches) and trains PyTorch's sparse path on them:
nn.EmbeddingBag(mode='mean', sparse=True, padding_idx=0) with SparseAdam for the table, Adam for
the dense layers. Same model, initialisation scale, loss, learning rate and threads as dualstream.

Method: --warmup-steps untimed steps, then --windows timed windows of --window-steps steps,
cycling through the batches in order; the headline is the median window's examples/s.
"""

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Tower(nn.Module):
    """Mean bag over the table -> Linear -> ReLU -> Linear -> L2, shared by queries and docs."""

    def __init__(self, buckets, dim, hidden, out, init_scale):
        super().__init__()
        self.bag = nn.EmbeddingBag(buckets + 1, dim, mode="mean", sparse=True, padding_idx=0)
        self.l1 = nn.Linear(dim, hidden)
        self.l2 = nn.Linear(hidden, out)
        with torch.no_grad():
            # dualstream's initialisation: table U(+-0.02) with a zero padding row, first layer
            # He-uniform, second Xavier-uniform, biases zero.
            self.bag.weight.uniform_(-init_scale, init_scale)
            self.bag.weight[0].zero_()
            bound1 = math.sqrt(6.0 / dim)
            self.l1.weight.uniform_(-bound1, bound1)
            self.l1.bias.zero_()
            bound2 = math.sqrt(6.0 / (hidden + out))
            self.l2.weight.uniform_(-bound2, bound2)
            self.l2.bias.zero_()

    def forward(self, ids, offsets=None):
        pooled = self.bag(ids, offsets)
        return F.normalize(self.l2(F.relu(self.l1(pooled))), dim=1, eps=1e-12)


class Lockstep:
    """Turns with a peer process through a file naming whose turn it is (see dualstream's Lockstep)."""

    def __init__(self, path, me, peer, patience_s=600):
        self.path, self.me, self.peer, self.patience_s = path, me, peer, patience_s

    def wait(self):
        deadline = time.monotonic() + self.patience_s
        while self._read() != self.me:
            if time.monotonic() > deadline:
                sys.exit(f"bench_trainer.py: waited {self.patience_s} s for '{self.me}' in {self.path}")
            time.sleep(0.02)

    def hand_over(self):
        tmp = f"{self.path}.{self.me}"
        with open(tmp, "w") as f:
            f.write(self.peer)
        os.replace(tmp, self.path)

    def _read(self):
        try:
            with open(self.path) as f:
                return f.read().strip()
        except OSError:
            return ""


def batches(queries, documents, batch_size, mode):
    """Tensors per batch, built before timing; 'offsets' drops the padding (a flat id list)."""
    out = []
    for start in range(0, queries.shape[0] - batch_size + 1, batch_size):
        q = queries[start:start + batch_size]
        d = documents[start:start + batch_size]
        out.append((side(q, mode), side(d, mode)))
    return out


def side(ids, mode):
    if mode == "padded":
        return (torch.from_numpy(ids.astype(np.int64)), None)
    lengths = (ids != 0).sum(axis=1)
    flat = ids[ids != 0].astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return (torch.from_numpy(flat), torch.from_numpy(offsets))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batches", required=True, help="directory with queries.npy, documents.npy")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--window-steps", type=int, default=20)
    p.add_argument("--windows", type=int, default=7)
    p.add_argument("--buckets", type=int, default=1 << 20)
    p.add_argument("--dims", type=int, nargs=3, default=[64, 256, 128], metavar=("EMB", "HID", "OUT"))
    p.add_argument("--scale", type=float, default=20.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--init-scale", type=float, default=0.02)
    p.add_argument("--input", choices=["offsets", "padded"], default="offsets",
                   help="EmbeddingBag input: flat ids + offsets (no padding; default) or the padded matrix")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", help="also write the figures as JSON to this file")
    p.add_argument("--lockstep", metavar="FILE",
                   help="take turns with dualstream through FILE: wait for 'pytorch', run the warm-up "
                        "or one window, write 'dualstream'")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    try:
        queries = np.load(os.path.join(args.batches, "queries.npy"))
        documents = np.load(os.path.join(args.batches, "documents.npy"))
    except OSError as e:
        sys.exit(f"bench_trainer.py: cannot read the batches: {e}")
    if queries.shape[0] != documents.shape[0] or queries.shape[0] < args.batch_size:
        sys.exit(f"bench_trainer.py: need matching row counts of at least one batch, got "
                 f"{queries.shape[0]} and {documents.shape[0]}")
    data = batches(queries, documents, args.batch_size, args.input)

    emb, hid, out = args.dims
    model = Tower(args.buckets, emb, hid, out, args.init_scale)
    sparse_opt = torch.optim.SparseAdam(list(model.bag.parameters()), lr=args.lr)
    dense_opt = torch.optim.Adam(list(model.l1.parameters()) + list(model.l2.parameters()), lr=args.lr)
    labels = torch.arange(args.batch_size)

    def step(batch, times):
        (q, qo), (d, do) = batch
        t0 = time.perf_counter()
        loss = F.cross_entropy(args.scale * model(q, qo) @ model(d, do).T, labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        sparse_opt.step()
        dense_opt.step()
        sparse_opt.zero_grad(set_to_none=True)
        dense_opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        if times is not None:
            times[0] += t1 - t0
            times[1] += t2 - t1
            times[2] += t3 - t2
        return loss.item()

    turns = Lockstep(args.lockstep, "pytorch", "dualstream") if args.lockstep else None
    load_start = os.getloadavg()[0]
    nxt = 0
    loss_first = None
    if turns:
        turns.wait()
    for i in range(args.warmup_steps):
        loss = step(data[nxt], None)
        loss_first = loss if loss_first is None else loss_first
        nxt = (nxt + 1) % len(data)
    if turns:
        turns.hand_over()
    times = [0.0, 0.0, 0.0]
    rates, step_ms = [], []
    loss_last = 0.0
    for w in range(args.windows):
        losses = []
        if turns:
            turns.wait()
        start = time.perf_counter()
        for i in range(args.window_steps):
            s0 = time.perf_counter()
            losses.append(step(data[nxt], times))
            step_ms.append(1e3 * (time.perf_counter() - s0))
            nxt = (nxt + 1) % len(data)
        rates.append(args.window_steps * args.batch_size / (time.perf_counter() - start))
        if turns:
            turns.hand_over()
        loss_last = sum(losses) / len(losses)
        loss_first = losses[0] if loss_first is None else loss_first
        print(f"window {w + 1}/{args.windows}: {rates[-1]:.0f} examples/s, loss {loss_last:.3f}", flush=True)

    timed = args.windows * args.window_steps
    result = {
        "examples_per_s": statistics.median(rates),
        "window_examples_per_s": rates,
        "step_ms_median": statistics.median(step_ms),
        "forward_ms_mean": 1e3 * times[0] / timed,
        "backward_ms_mean": 1e3 * times[1] / timed,
        "optimizer_ms_mean": 1e3 * times[2] / timed,
        "warmup_steps": args.warmup_steps,
        "window_steps": args.window_steps,
        "batch_size": args.batch_size,
        "batches": len(data),
        "threads": torch.get_num_threads(),
        "input": args.input,
        "loss_first": loss_first,
        "loss_last": loss_last,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load_average_start": load_start,
        "load_average_end": os.getloadavg()[0],
    }
    print(f"examples/s: {result['examples_per_s']:.0f} (median of {args.windows} windows of "
          f"{args.window_steps} steps; windows {[round(r) for r in rates]})")
    print(f"step: {result['step_ms_median']:.2f} ms median; mean forward {result['forward_ms_mean']:.2f} ms, "
          f"backward {result['backward_ms_mean']:.2f} ms, optimizer {result['optimizer_ms_mean']:.2f} ms")
    print(f"loss: {loss_first:.3f} at the first step, {loss_last:.3f} over the last window")
    print(f"peak memory: resident set {result['peak_rss_bytes'] / 1048576:.0f} MiB; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load {load_start:.2f} before, {result['load_average_end']:.2f} after")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
