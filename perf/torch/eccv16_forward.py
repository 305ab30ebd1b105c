#!/usr/bin/python3
"""Times the ECCV16 forward pass in PyTorch on the CPU, for perf/ (the reference point in the same run).

    /usr/bin/python3 perf/torch/eccv16_forward.py WIDTH SIZE BATCH THREADS

Prints one line: "torch MEDIAN_MS RUNS VERSION". The timed call is the port's forward(): logits,
softmax, decode, x4 upsampling (ColorKernels' timed path does the same work with the annealed mean).
"""
import sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from eccv16_torch import ECCV16

width, size, batch, threads = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = ECCV16(width).eval()
l = torch.rand(batch, 1, size, size) * 100
times = []
with torch.no_grad():
    model(l)
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < 2.0 and len(times) < 50):
        t = time.perf_counter()
        model(l)
        times.append(time.perf_counter() - t)
times.sort()
print("torch %.3f %d %s" % (times[len(times) // 2] * 1000, len(times), torch.__version__))
