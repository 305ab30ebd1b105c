#!/usr/bin/python3
"""Independent reference for the ECCV16 network: PyTorch (Debian's python3-torch, CPU).

    /usr/bin/python3 tests/Fixtures/make_eccv16_reference.py

Builds the architecture of the paper's PyTorch port (perf/torch/eccv16_torch.py: same layers, same
key names) at width 1/32 with random weights and random batch-norm statistics, runs it in eval mode on a random
L image (1 x 1 x 48 x 40), and writes two files in ColorKernels' model format (docs/model-format.md),
written here independently of the C# writer:

  eccv16-w32.ckm           the model (architecture "eccv16")
  eccv16-w32.pth           the same state dict saved by torch.save (plus -missing.pth, -shape.pth: damaged)
  eccv16-w32.expected.ckm  input_l [1,1,48,40] (L in 0..100), logits [1,313,12,10],
                           ab_t1 [1,2,12,10] (the port's output before upsampling: softmax, model_out, x110),
                           ab_t038 [1,2,12,10] (the same at temperature 0.38),
                           ab_upsampled [1,2,48,40] (the port's forward(): x4 bilinear, align_corners=False)
"""
import json, struct, zlib
from pathlib import Path
import numpy as np
import sys
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent / "../../perf/torch"))
from eccv16_torch import ECCV16, channels  # the port's architecture, shared with perf/

WIDTH = 1 / 32
torch.manual_seed(1234)
here = Path(__file__).parent

C = channels(WIDTH)

model = ECCV16(WIDTH)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.2)
            m.running_mean.normal_(0, 0.2)
            m.running_var.uniform_(0.5, 2.0)
        elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.bias is not None:
            m.bias.normal_(0, 0.1)
    pts = np.loadtxt(here / "../../Engine/Models/Data/pts_in_hull.csv", delimiter=",", skiprows=1)[:, 1:]
    model.model_out.weight.copy_(torch.tensor(pts.T / 110.0, dtype=torch.float32).reshape(2, 313, 1, 1))
model.eval()

def write_ckm(path, header, tensors):
    """docs/model-format.md, version 1."""
    head = json.dumps(header).encode()
    blobs = [np.ascontiguousarray(a, dtype="<f4").tobytes() for _, a in tensors]
    table = b"CKMODEL\0" + struct.pack("<II", 1, len(head)) + head + struct.pack("<I", len(tensors))
    table_size = len(table) + sum(2 + len(n.encode()) + 2 + 4 * a.ndim + 20 for n, a in tensors)
    offset = table_size + 4
    for (name, a), blob in zip(tensors, blobs):
        nb = name.encode()
        table += struct.pack("<H", len(nb)) + nb + struct.pack("<BB", 0, a.ndim)
        table += struct.pack("<%di" % a.ndim, *a.shape) + struct.pack("<QQI", offset, len(blob), zlib.crc32(blob))
        offset += len(blob)
    assert len(table) == table_size
    path.write_bytes(table + struct.pack("<I", zlib.crc32(table)) + b"".join(blobs))

state = {k: v.numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
header = {"architecture": "eccv16", "width": WIDTH, "bins": 313, "temperature": 0.38,
          "l_center": 50.0, "l_scale": 100.0, "ab_scale": 110.0, "bn_eps": 1e-5}
write_ckm(here / "eccv16-w32.ckm", header, list(state.items()))
# The same weights as PyTorch writes them (zip format), for the importer's test; and two damaged state
# dicts: one key missing, one tensor of the wrong shape.
torch.save(model.state_dict(), here / "eccv16-w32.pth")
damaged = dict(model.state_dict())
del damaged["model3.2.weight"]
torch.save(damaged, here / "eccv16-w32-missing.pth")
damaged = dict(model.state_dict())
damaged["model3.2.weight"] = damaged["model3.2.weight"][:, :4].contiguous()
torch.save(damaged, here / "eccv16-w32-shape.pth")

l = torch.rand(1, 1, 48, 40, dtype=torch.float32) * 100.0
with torch.no_grad():
    logits = model.logits(l)
    ab_t1 = model.model_out(model.softmax(logits)) * 110.0
    ab_t038 = model.model_out(model.softmax(logits / 0.38)) * 110.0
    ab_up = model(l)
expected = [("input_l", l.numpy()), ("logits", logits.numpy()), ("ab_t1", ab_t1.numpy()),
            ("ab_t038", ab_t038.numpy()), ("ab_upsampled", ab_up.numpy())]
write_ckm(here / "eccv16-w32.expected.ckm", {"architecture": "reference-data", "torch": torch.__version__}, expected)
print("params", sum(p.numel() for p in model.parameters()), "channels", C, "torch", torch.__version__)
