#!/usr/bin/python3
"""Times one ECCV16 training step in PyTorch on the CPU, for perf/ (the reference point in the same run).

    /usr/bin/python3 perf/torch/eccv16_train_step.py WIDTH CROP BATCH THREADS

Prints "torch MEDIAN_MS RUNS VERSION". A step: forward to the 313 logits at CROP/4, soft-target
cross-entropy (5 random neighbours per pixel, as ColorKernels' loss reads), backward, Adam (0.9, 0.99,
weight decay 1e-3) on every parameter but the fixed decode layer. Batch norm in training mode.
"""
import sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from eccv16_torch import ECCV16

width, crop, batch, threads = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = ECCV16(width).train()
params = [p for n, p in model.named_parameters() if not n.startswith("model_out")]
opt = torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=1e-3)
l = torch.rand(batch, 1, crop, crop) * 100
out = crop // 4
target = torch.zeros(batch, 313, out, out)
idx = torch.randint(0, 313, (batch, 5, out, out))
target.scatter_(1, idx, 0.2)

def step():
    opt.zero_grad()
    logits = model.logits(l)
    loss = -(target * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
    loss.backward()
    opt.step()

step()
times, start = [], time.perf_counter()
while len(times) < 3 or (time.perf_counter() - start < 3.0 and len(times) < 30):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
times.sort()
print("torch %.3f %d %s" % (times[len(times) // 2] * 1000, len(times), torch.__version__))
