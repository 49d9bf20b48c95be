#!/usr/bin/env python3
"""torch_resnet.py - PyTorch's side of build-scripts/bench.sh: ResNet-32 (CIFAR-style, widths
16/32/64, BatchNorm, 1x1 projection shortcuts like the engine) on 28x28x1, batch 128, forward +
backward + SGD update, images/s on one thread (or argv[1] threads); then each convolution shape
of that network at batch 128 (the shapes of bench/train_bench.c), forward and backward (input +
weight gradient; the stem has no input gradient) ms, oneDNN's backward/forward ratio summed the
same way as the engine's, and each backward pass (weight gradient, input gradient) against the
forward. Prints 'torch not installed' when torch is missing. Medians."""
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("torch not installed")
    sys.exit(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (x if self.short is None else self.short(x)))


def resnet32(classes=10, n=5, w=16):
    layers = [nn.Conv2d(1, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
    cin = w
    for stage, width in enumerate((w, 2 * w, 4 * w)):
        for b in range(n):
            layers.append(Block(cin, width, 2 if (stage > 0 and b == 0) else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = resnet32()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(128, 1, 28, 28)
    y = torch.randint(0, 10, (128,))
    loss_fn = nn.BCEWithLogitsLoss()
    target = torch.nn.functional.one_hot(y, 10).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    times = []
    start = time.perf_counter()
    while len(times) < 15 and (len(times) < 3 or time.perf_counter() - start < seconds):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]
    print(f"torch {torch.__version__} train resnet32 28x28x1 batch 128, {threads} thread(s): "
          f"{128 / median:.1f} images/s (median of {len(times)} steps, {median * 1e3:.1f} ms/step)")


# (in_channels, size, out_channels, kernel, stride): bench/train_bench.c's lists, ResNet-32 on
# 28x28x1 at batch 128 and the page's default network (32x32x3) at batch 32
SHAPES = [(1, 28, 16, 3, 1), (16, 28, 16, 3, 1), (16, 28, 32, 3, 2), (32, 14, 32, 3, 1),
          (16, 28, 32, 1, 2), (32, 14, 64, 3, 2), (64, 7, 64, 3, 1), (32, 14, 64, 1, 2)]
WEBCAM_SHAPES = [(3, 32, 16, 3, 1), (16, 32, 16, 3, 1), (16, 32, 32, 3, 2), (32, 16, 32, 3, 1),
                 (16, 32, 32, 1, 2), (32, 16, 64, 3, 2), (64, 8, 64, 3, 1), (32, 16, 64, 1, 2)]


def median_ms(function, repeats=15):
    function()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1e3


def convs(title, batch, shapes, key):
    """Forward, backward, and each backward pass against the forward, as bench/train_bench.c
    prints them: the weight gradient alone, the input gradient as the whole backward less it."""
    print(f"{title:<26} {'fwd ms':>10} {'bwd ms':>10} {'bwd/fwd':>8} {'wgt/fwd':>8} {'in/fwd':>8}")
    total_forward = total_backward = total_weight = input_forward = total_input = 0.0
    worst_pass = 0.0
    for cin, size, cout, kernel, stride in shapes:
        conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False)
        x = torch.randn(batch, cin, size, size, requires_grad=cin > 3)
        with torch.no_grad():
            grad = torch.randn_like(conv(x))

        def forward():
            with torch.no_grad():
                conv(x)

        out = conv(x)

        def backward():
            torch.autograd.grad(out, [x, conv.weight] if cin > 3 else [conv.weight], grad,
                                retain_graph=True)

        def weight_only():
            torch.autograd.grad(out, [conv.weight], grad, retain_graph=True)

        f, b = median_ms(forward), median_ms(backward)
        w = median_ms(weight_only) if cin > 3 else b
        total_forward += f
        total_backward += b
        total_weight += w
        worst_pass = max(worst_pass, w / f)
        name = f"{size}x{size}x{cin} -> {cout} k{kernel} s{stride}"
        if cin > 3:
            i = b - w
            input_forward += f
            total_input += i
            worst_pass = max(worst_pass, i / f)
            print(f"{name:<26} {f:10.3f} {b:10.3f} {b / f:8.2f} {w / f:8.2f} {i / f:8.2f}")
        else:
            print(f"{name:<26} {f:10.3f} {b:10.3f} {b / f:8.2f} {w / f:8.2f} {'-':>8}")
    print(f"result {key} {total_backward / total_forward:.2f}")
    print(f"result {key}_weight {total_weight / total_forward:.2f}")
    print(f"result {key}_input {total_input / input_forward:.2f}")
    print(f"result {key}_worst_pass {worst_pass:.2f}")


if __name__ == "__main__":
    main()
    convs("conv (batch 128)", 128, SHAPES, "conv_backward_over_forward")
    convs("webcam conv (batch 32)", 32, WEBCAM_SHAPES, "webcam_conv_backward_over_forward")
