"""The ECCV16 network of the paper's PyTorch port (colorizers/eccv16.py), with a width multiplier.

Same layers and key names as the port; channel counts max(1, round(base x width)). Used by
tests/Fixtures/make_eccv16_reference.py (reference outputs) and perf/torch/eccv16_forward.py (timings).
"""
import numpy as np
import torch
import torch.nn as nn

BASE = (64, 128, 256, 512, 512, 512, 512, 256)


def channels(width):
    return [max(1, int(np.floor(b * width + 0.5))) for b in BASE]


def _block(cin, cout, n, last_stride, dilation=1):
    layers, c = [], cin
    for i in range(n):
        stride = last_stride if i == n - 1 else 1
        layers += [nn.Conv2d(c, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=True), nn.ReLU(True)]
        c = cout
    layers += [nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers)


class ECCV16(nn.Module):
    def __init__(self, width=1.0):
        super().__init__()
        C = channels(width)
        self.model1 = _block(1, C[0], 2, 2)
        self.model2 = _block(C[0], C[1], 2, 2)
        self.model3 = _block(C[1], C[2], 3, 2)
        self.model4 = _block(C[2], C[3], 3, 1)
        self.model5 = _block(C[3], C[4], 3, 1, dilation=2)
        self.model6 = _block(C[4], C[5], 3, 1, dilation=2)
        self.model7 = _block(C[5], C[6], 3, 1)
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(C[6], C[7], 4, stride=2, padding=1, bias=True), nn.ReLU(True),
            nn.Conv2d(C[7], C[7], 3, padding=1, bias=True), nn.ReLU(True),
            nn.Conv2d(C[7], C[7], 3, padding=1, bias=True), nn.ReLU(True),
            nn.Conv2d(C[7], 313, 1, bias=True))
        self.softmax = nn.Softmax(dim=1)
        self.model_out = nn.Conv2d(313, 2, 1, bias=False)
        self.upsample4 = nn.Upsample(scale_factor=4, mode='bilinear', align_corners=False)

    def logits(self, l):
        x = (l - 50.0) / 100.0
        for m in (self.model1, self.model2, self.model3, self.model4, self.model5, self.model6, self.model7, self.model8):
            x = m(x)
        return x

    def forward(self, l):
        return self.upsample4(self.model_out(self.softmax(self.logits(l)))) * 110.0
