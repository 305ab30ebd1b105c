#!/usr/bin/env python3
"""PyTorch/cuDNN timings of every distinct convolution of ECCV16, the reference for `Perf --filter conv-shapes`.

    python3 perf/torch/conv_shapes_cuda.py WIDTH SIZE BATCH TF32 [DEVICE]
      TF32: off (FP32: torch.backends.*.allow_tf32 = False) | default;  DEVICE: cuda (default) or cpu

Prints one line per shape: "torch-shape KEY FWD_MS BWD_MS", KEY as perf/Speed/ConvShapesBench.cs writes it
(conv:IN->OUT:kKsSpPdD:HxW:nN, convT for the transposed conv). Forward: conv with bias; backward: the data
and weight gradients (aten.convolution_backward, bias gradient off), as the ColorKernels benchmark times.
The shapes come from forward hooks on the port's model, so both sides walk the same network.
"""
import sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from eccv16_torch import ECCV16

width, size, batch, tf32 = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
dev = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cuda")
if tf32 == "off":
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
torch.manual_seed(0)

model = ECCV16(width).to(dev).eval()
shapes = []
def hook(module, inputs, output):
    x = inputs[0]
    t = isinstance(module, torch.nn.ConvTranspose2d)
    key = "%s:%d->%d:k%ds%dp%dd%d:%dx%d:n%d" % ("convT" if t else "conv", module.in_channels, module.out_channels,
        module.kernel_size[0], module.stride[0], module.padding[0], module.dilation[0], x.shape[2], x.shape[3], batch)
    if key not in [s[0] for s in shapes]:
        shapes.append((key, module, t, tuple(x.shape[1:])))
for m in model.modules():
    if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) and m is not model.model_out:
        m.register_forward_hook(hook)
with torch.no_grad():
    model.logits(torch.rand(1, 1, size, size, device=dev) * 100)

def median_ms(step):
    for _ in range(3):
        step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    times, start = [], time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < 0.5 and len(times) < 200):
        t = time.perf_counter()
        step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1000

for key, m, t, chw in shapes:
    x = torch.rand(batch, *chw, device=dev) - 0.5
    w, b = m.weight.detach().clone(), m.bias.detach().clone()
    with torch.no_grad():
        y = m(x)
    dy = torch.rand_like(y) - 0.5
    def forward():
        with torch.no_grad():
            m(x)
    def backward():
        torch.ops.aten.convolution_backward(dy, x, w, None, list(m.stride), list(m.padding), list(m.dilation), t,
                                            list(m.output_padding), 1, [True, True, False])
    print("torch-shape %s %.3f %.3f" % (key, median_ms(forward), median_ms(backward)), flush=True)
