#!/usr/bin/env python3
"""PyTorch on the GPU machine's CUDA card, the reference for ColorKernels' CUDA timings in the same run.

    python3 perf/torch/eccv16_cuda.py MODE WIDTH SIZE BATCH TF32
      MODE: forward | train;  TF32: off (FP32: torch.backends.*.allow_tf32 = False) | default

Prints "torch MEDIAN_MS RUNS VERSION". forward: the port's forward() (logits, softmax, decode, x4 upsampling);
train: one step as perf/torch/eccv16_train_step.py (soft-target cross-entropy, Adam). cuDNN autotuning on,
CUDA-synchronised timing.
"""
import sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from eccv16_torch import ECCV16

mode, width, size, batch, tf32 = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if tf32 == "off":
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
torch.manual_seed(0)
dev = torch.device("cuda")
model = ECCV16(width).to(dev)
l = torch.rand(batch, 1, size, size, device=dev) * 100
if mode == "forward":
    model.eval()
    def step():
        with torch.no_grad():
            model(l)
else:
    model.train()
    params = [p for n, p in model.named_parameters() if not n.startswith("model_out")]
    opt = torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=1e-3)
    out = size // 4
    target = torch.zeros(batch, 313, out, out, device=dev)
    target.scatter_(1, torch.randint(0, 313, (batch, 5, out, out), device=dev), 0.2)
    def step():
        opt.zero_grad()
        loss = -(target * torch.log_softmax(model.logits(l), dim=1)).sum(dim=1).mean()
        loss.backward()
        opt.step()
for _ in range(3):
    step()
torch.cuda.synchronize()
times, start = [], time.perf_counter()
while len(times) < 5 or (time.perf_counter() - start < 2.0 and len(times) < 100):
    t = time.perf_counter()
    step()
    torch.cuda.synchronize()
    times.append(time.perf_counter() - t)
times.sort()
print("torch %.3f %d %s" % (times[len(times) // 2] * 1000, len(times), torch.__version__))
