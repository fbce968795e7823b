"""Train the plate recogniser (CRNN + CTC) and export resources/models/plate_rec_crnn.onnx.

    nice -n 19 .venv-train/bin/python -m engine.alpr.training.train_plate_rec

Data: synthetic plates (plate_dataset.py) and the real Chinese crops 000-099; crops 100-199 are
read only once, after training, to report accuracy. One CPU thread (the machine is shared).
Progress: one line per epoch; checkpoints in --out (last.pt resumes an interrupted run).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from engine.alpr.plate_input import CHARSET, INPUT_HEIGHT, INPUT_WIDTH
from engine.alpr.training.crnn import PlateCRNN
from engine.alpr.training.plate_dataset import (
    PlateSet,
    as_found,
    concat,
    read_cn_labels,
    real_set,
    synthetic_set,
    to_uint8,
)
from engine.resources import demo_clips, resources_root

ROOT = Path(__file__).resolve().parents[3]
CN_CROPS = ROOT / "tests/data/alpr/plate_crops_cn"
TEST_CROPS = range(100, 200)


def encode(label: str) -> list[int]:
    return [CHARSET.index(c) + 1 for c in label]


def greedy(probs: np.ndarray) -> str:
    best = probs.argmax(-1)
    out, previous = [], 0
    for k in best.tolist():
        if k != previous and k != 0:
            out.append(CHARSET[k - 1])
        previous = k
    return "".join(out)


def batches(data: PlateSet, size: int, rng: np.random.Generator):
    order = rng.permutation(len(data.labels))
    for start in range(0, len(order) - size + 1, size):
        idx = order[start : start + size]
        x = torch.from_numpy(data.images[idx]).float().div_(127.5).sub_(1.0).unsqueeze(1)
        targets = [encode(data.labels[i]) for i in idx]
        yield x, targets


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray) -> list[str]:
    model.eval()
    texts = []
    for start in range(0, len(images), 256):
        x = torch.from_numpy(images[start : start + 256]).float().div_(127.5).sub_(1.0)
        texts += [greedy(p) for p in model(x.unsqueeze(1)).numpy()]
    return texts


def exact(model: nn.Module, data: PlateSet) -> float:
    texts = predict(model, data.images)
    return sum(t == lb for t, lb in zip(texts, data.labels, strict=True)) / len(texts)


def cn_test_set() -> PlateSet:
    import cv2

    labels = read_cn_labels(CN_CROPS)
    names = [f"{i:03d}.jpg" for i in TEST_CROPS]
    images = [to_uint8(as_found(cv2.imread(str(CN_CROPS / n)))) for n in names]
    return PlateSet(np.stack(images), [labels[n] for n in names])


def export(model: nn.Module, path: Path, notes: dict[str, str]) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, INPUT_HEIGHT, INPUT_WIDTH)
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    meta = {
        "charset": CHARSET,
        "blank": "0",
        "input_height": str(INPUT_HEIGHT),
        "input_width": str(INPUT_WIDTH),
        **notes,
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs/plate_rec")
    parser.add_argument(
        "--model", type=Path, default=resources_root() / "models/plate_rec_crnn.onnx"
    )
    parser.add_argument("--synthetic", type=int, default=40000)
    parser.add_argument("--real-copies", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    started = time.time()

    cache = args.out / f"dataset_{args.synthetic}_{args.real_copies}_{args.seed}.npz"
    if cache.is_file():
        train = PlateSet.load(cache)
    else:
        train = concat(
            synthetic_set(args.synthetic, args.seed, demo_clips()),
            real_set(CN_CROPS, args.real_copies, args.seed),
        )
        train.save(cache)
    val = synthetic_set(1000, args.seed + 1000, demo_clips(), log_every=0)
    print(
        f"data: {len(train.labels)} train, {len(val.labels)} val, {time.time() - started:.0f} s",
        flush=True,
    )

    model = PlateCRNN()
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train.labels) // args.batch
    total = steps_per_epoch * args.epochs
    warmup = min(300, total // 10)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup))) + 0.01

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    first_epoch, best = 0, -1.0
    last = args.out / "last.pt"
    if last.is_file():
        state = torch.load(last, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        first_epoch, best = state["epoch"] + 1, state["best"]
        print(f"resumed after epoch {state['epoch'] + 1}", flush=True)

    rng = np.random.default_rng(args.seed)
    for _ in range(first_epoch):
        rng.permutation(len(train.labels))  # the same batch order as an uninterrupted run
    for epoch in range(first_epoch, args.epochs):
        model.train()
        t0, losses = time.time(), []
        for x, targets in batches(train, args.batch, rng):
            log_probs = model.logits(x).log_softmax(-1).permute(1, 0, 2)  # T, N, C
            flat = torch.tensor([k for t in targets for k in t], dtype=torch.long)
            lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
            inputs = torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long)
            loss = ctc(log_probs, flat, inputs, lengths)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            scheduler.step()
            losses.append(loss.item())
        val_exact = exact(model, val)
        if val_exact > best:
            best = val_exact
            torch.save(model.state_dict(), args.out / "best.pt")
        torch.save(
            {
                "model": model.state_dict(),
                "optimiser": optimiser.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch,
                "best": best,
            },
            last,
        )
        print(
            f"epoch {epoch + 1}/{args.epochs} loss {np.mean(losses):.3f} val_exact {val_exact:.3f}"
            f" lr {scheduler.get_last_lr()[0]:.2e} {time.time() - t0:.0f} s",
            flush=True,
        )

    model.load_state_dict(torch.load(args.out / "best.pt"))
    cn_exact = exact(model, cn_test_set())
    minutes = (time.time() - started) / 60
    notes = {
        "trained": f"{args.epochs} epochs, {len(train.labels)} samples, seed {args.seed}",
        "val_exact": f"{best:.3f}",
        "cn_100_199_exact": f"{cn_exact:.2f}",
    }
    export(model, args.model, notes)
    size = args.model.stat().st_size / 1e6
    summary = {
        "val_exact": round(best, 3),
        "cn_100_199_exact": round(cn_exact, 3),
        "minutes": round(minutes, 1),
        "onnx_mb": round(size, 2),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
