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

# A Caffe model of the same network (colorization_deploy_v2 layer names), for the importer's test: written
# with a minimal protobuf encoder following caffe.proto (NetParameter.layer = 100; LayerParameter name = 1,
# type = 2, blobs = 7; BlobProto data = 5 (packed float), shape = 7; BlobShape dim = 1 (packed int64)).
# Caffe's convention differs from the port's: input L - 50 without / 100 (so conv1_1's weights are the port's
# / 100), batch norm stores mean and variance times a scale factor in a third blob (no affine part), the
# decode layer class8_ab outputs ab directly (the port's model_out x 110), and a Scale layer multiplies the
# logits by 2.606 before the softmax.
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out

def field(number, wire, payload):
    return varint((number << 3) | wire) + (varint(len(payload)) + payload if wire == 2 else payload)

def blob(array):
    shape = field(7, 2, field(1, 2, b"".join(varint(d) for d in array.shape)))
    return field(5, 2, np.ascontiguousarray(array, dtype="<f4").tobytes()) + shape

def layer(name, kind, blobs):
    return field(100, 2, field(1, 2, name.encode()) + field(2, 2, kind.encode()) + b"".join(field(7, 2, blob(b)) for b in blobs))

caffe_names = {1: ["conv1_1", "conv1_2"], 2: ["conv2_1", "conv2_2"]}
for block in range(3, 8):
    caffe_names[block] = ["conv%d_%d" % (block, i) for i in (1, 2, 3)]
net = b""
BN_SCALE = 2.0
for block in range(1, 8):
    convs = caffe_names[block]
    for i, name in enumerate(convs):
        w = state["model%d.%d.weight" % (block, 2 * i)]
        if name == "conv1_1":
            w = w / 100.0
        net += layer(name, "Convolution", [w, state["model%d.%d.bias" % (block, 2 * i)]])
    bn = "model%d.%d" % (block, 2 * len(convs))
    net += layer(convs[-1] + "norm", "BatchNorm", [state[bn + ".running_mean"] * BN_SCALE, state[bn + ".running_var"] * BN_SCALE, np.array([BN_SCALE], dtype=np.float32)])
net += layer("conv8_1", "Deconvolution", [state["model8.0.weight"], state["model8.0.bias"]])
net += layer("conv8_2", "Convolution", [state["model8.2.weight"], state["model8.2.bias"]])
net += layer("conv8_3", "Convolution", [state["model8.4.weight"], state["model8.4.bias"]])
net += layer("conv8_313", "Convolution", [state["model8.6.weight"], state["model8.6.bias"]])
net += layer("conv8_313_rh", "Scale", [np.array([2.606], dtype=np.float32)])
net += layer("class8_313_rh", "Softmax", [])
net += layer("class8_ab", "Convolution", [state["model_out.weight"] * 110.0])
(here / "eccv16-w32.caffemodel").write_bytes(field(1, 2, b"colorization_w32") + net)
