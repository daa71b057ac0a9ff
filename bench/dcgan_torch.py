"""The DCGAN of DESIGN §7 and its simultaneous training step in PyTorch: the yardstick of bench:train.

bench/train.ts starts this script once and sends one JSON request a line on stdin; each answer is
one JSON line on stdout. A request:

  {"size": 32, "channels": 1, "noiseDim": 100, "widths": [64, 16, 8], "batch": 64,
   "steps": 20, "threads": 2, "seed": 1}

`widths` are the generator's hidden widths (src/train/model-options.ts hiddenWidths), so both
sides build the same layers. The answer: {"imagesPerSecond": …, "params": {…}, "threads": n}, or
{"error": "…"}. Each request builds a fresh model pair, runs one warm-up step, then times `steps`
steps on one fixed batch of uniform noise in [-1, 1] (the TensorFlow.js rows do the same).

The model follows src/train/model.ts with Keras' defaults written out: LeakyReLU 0.3, BatchNorm
momentum 0.99 (PyTorch's momentum is 1 − Keras': 0.01) and eps 1e-3, Glorot-uniform kernels,
zero biases, Dropout 0.3, the discriminator ending Conv(1, 4, valid) → Dropout → Flatten →
Dense(1) → sigmoid. The step follows src/train/gan-step.ts: z ~ N(0, 1); both gradients from the
same weights and forward values (one graph, torch.autograd.grad for each net); Keras' BCE on
probabilities; two Adam(lr 2e-4, β1 0.5, β2 0.999, eps 1e-7).

  /usr/bin/python3 bench/dcgan_torch.py < requests.jsonl
"""
import json
import sys
import time

import torch
from torch import nn

LEAKY_ALPHA = 0.3
BN_MOMENTUM = 1 - 0.99  # PyTorch weighs the new batch statistic, Keras the old moving value
BN_EPSILON = 1e-3
DROPOUT_RATE = 0.3
KERAS_EPSILON = 1e-7
ADAM = {"lr": 2e-4, "betas": (0.5, 0.999), "eps": 1e-7}


def generator(noise_dim, widths, channels):
    layers = [nn.Unflatten(1, (noise_dim, 1, 1))]
    previous = noise_dim
    for i, width in enumerate(widths):
        stride, padding = (1, 0) if i == 0 else (2, 1)  # 1×1 → 4×4 'valid', then 'same' doublings
        layers += [
            nn.ConvTranspose2d(previous, width, 4, stride, padding),
            nn.BatchNorm2d(width, eps=BN_EPSILON, momentum=BN_MOMENTUM),
            nn.LeakyReLU(LEAKY_ALPHA),
        ]
        previous = width
    layers += [nn.ConvTranspose2d(previous, channels, 4, 2, 1), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(widths, channels):
    layers = []
    previous = channels
    for i, width in enumerate(reversed(widths)):
        layers.append(nn.Conv2d(previous, width, 4, 2, 1))
        if i > 0:
            layers.append(nn.BatchNorm2d(width, eps=BN_EPSILON, momentum=BN_MOMENTUM))
        layers.append(nn.LeakyReLU(LEAKY_ALPHA))
        if i > 0:
            layers.append(nn.Dropout(DROPOUT_RATE))
        previous = width
    layers += [nn.Conv2d(previous, 1, 4, 1, 0), nn.Dropout(DROPOUT_RATE), nn.Flatten(), nn.Linear(1, 1), nn.Sigmoid()]
    return nn.Sequential(*layers)


def keras_init(model):
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


def bce(label, p):
    """Keras' BinaryCrossentropy(from_logits=False) against a constant label, as src/train/losses.ts."""
    clipped = p.clamp(KERAS_EPSILON, 1 - KERAS_EPSILON)
    likelihood = clipped + KERAS_EPSILON if label == 1 else 1 - clipped + KERAS_EPSILON
    return -torch.log(likelihood).mean()


def param_counts(g, d):
    """Trainable weights and BN moving statistics, counted as tfjs counts them."""
    def moving(model):
        return sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))

    return {
        "generatorTrainable": sum(p.numel() for p in g.parameters()),
        "generatorMoving": moving(g),
        "discriminatorTrainable": sum(p.numel() for p in d.parameters()),
        "discriminatorMoving": moving(d),
    }


def measure(request):
    torch.set_num_threads(int(request["threads"]))
    torch.manual_seed(int(request.get("seed", 0)))
    size, channels, noise_dim, widths = request["size"], request["channels"], request["noiseDim"], request["widths"]
    batch, steps = int(request["batch"]), int(request["steps"])
    g, d = generator(noise_dim, widths, channels), discriminator(widths, channels)
    keras_init(g)
    keras_init(d)
    g.train()
    d.train()
    g_params, d_params = list(g.parameters()), list(d.parameters())
    g_opt, d_opt = torch.optim.Adam(g_params, **ADAM), torch.optim.Adam(d_params, **ADAM)
    real = torch.rand(batch, channels, size, size) * 2 - 1

    def step():
        z = torch.randn(batch, noise_dim)
        fake = g(z)
        p_real, p_fake = d(real), d(fake)
        gen_loss = bce(1, p_fake)
        dis_loss = bce(1, p_real) + bce(0, p_fake)
        g_grads = torch.autograd.grad(gen_loss, g_params, retain_graph=True)
        d_grads = torch.autograd.grad(dis_loss, d_params)
        for params, grads in ((g_params, g_grads), (d_params, d_grads)):
            for p, grad in zip(params, grads):
                p.grad = grad
        g_opt.step()
        d_opt.step()
        # The TensorFlow.js step reads its four scalars back; so does this one.
        return [t.item() for t in (gen_loss, dis_loss, p_real.mean(), p_fake.mean())]

    step()  # warm-up (allocator, kernels)
    start = time.perf_counter()
    for _ in range(steps):
        losses = step()
    seconds = time.perf_counter() - start
    if not all(v == v for v in losses):
        raise ValueError(f"a loss is NaN after {steps} steps: {losses}")
    return {"imagesPerSecond": steps * batch / seconds, "params": param_counts(g, d), "threads": torch.get_num_threads()}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = measure(json.loads(line))
        except Exception as error:  # the bench prints it and goes on without this row
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
