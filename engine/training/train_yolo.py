"""Train the project's YOLO11n vehicle model on the distilled dataset, then export it.

Runs in the training environment only (.venv-train, `pip install -e '.[train]'`):

    nohup nice -n 19 .venv-train/bin/python -m engine.training.train_yolo \
        > runs/train.log 2>&1 &                      # fresh run, in the background
    nohup nice -n 19 .venv-train/bin/python -m engine.training.train_yolo --resume \
        >> runs/train.log 2>&1 &                     # continue from runs/<name>/weights/last.pt
    .venv-train/bin/python -m engine.training.train_yolo --export-only [--weights PT]

The model is built from `yolo11n.yaml` (no pretrained weights exist offline); nc = 6 comes from
the dataset's data.yaml. At the end best.pt is exported to
resources/models/yolo11n_vehicles_320.onnx (opset 12, onnxslim-simplified, static 320x320, the
class names in the ONNX metadata `names`) and copied to resources/models/yolo11n_vehicles.pt,
the starting point for retraining (`--model resources/models/yolo11n_vehicles.pt`).
"""

from __future__ import annotations

import os

os.environ.setdefault("YOLO_OFFLINE", "1")  # before ultralytics is imported

import argparse  # noqa: E402
import ast  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from engine.training.distill_dataset import DEFAULT_OUT, TRAIN_NAMES  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = DEFAULT_OUT / "data.yaml"
DEFAULT_PROJECT = REPO_ROOT / "runs"
DEFAULT_NAME = "yolo11n_vehicles"
MODELS_DIR = REPO_ROOT / "resources" / "models"
ONNX_NAME = "yolo11n_vehicles_320.onnx"
PT_NAME = "yolo11n_vehicles.pt"
IMGSZ = 320
OPSET = 12
# ultralytics' augmentation settings `--augment KEY=VALUE` may set (scale has its own flag)
AUGMENT_KEYS = frozenset(
    {"hsv_h", "hsv_s", "hsv_v", "degrees", "translate", "shear", "perspective"}
    | {"flipud", "fliplr", "mosaic", "mixup", "cutmix"}
)


def parse_augment(pairs: list[str]) -> dict[str, float]:
    """`["mixup=0.15", "degrees=3"]` -> {"mixup": 0.15, "degrees": 3.0}; unknown keys refused."""
    settings: dict[str, float] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in AUGMENT_KEYS:
            known = ", ".join(sorted(AUGMENT_KEYS))
            raise SystemExit(f"--augment {pair!r}: expected KEY=VALUE, KEY one of {known}")
        try:
            settings[key] = float(value)
        except ValueError:
            raise SystemExit(f"--augment {pair!r}: {value!r} is not a number") from None
    return settings


def _progress_callbacks(model) -> None:
    """One plain line per epoch in the log (ultralytics' own bars are carriage-return noise)."""
    state = {"t0": time.monotonic(), "epoch_t0": time.monotonic(), "first": None}

    def on_train_epoch_start(trainer) -> None:
        state["epoch_t0"] = time.monotonic()
        if state["first"] is None:
            state["first"] = trainer.epoch

    def on_fit_epoch_end(trainer) -> None:
        metrics = trainer.metrics or {}
        if trainer.epoch >= trainer.epochs:  # final_eval re-validates best.pt after the last epoch
            print(
                f"[sentinel] best.pt on val: P {metrics.get('metrics/precision(B)', 0):.3f} "
                f"R {metrics.get('metrics/recall(B)', 0):.3f} "
                f"mAP50 {metrics.get('metrics/mAP50(B)', 0):.3f} "
                f"mAP50-95 {metrics.get('metrics/mAP50-95(B)', 0):.3f}",
                flush=True,
            )
            return
        took = time.monotonic() - state["epoch_t0"]
        done = trainer.epoch + 1
        run_epochs = done - state["first"]
        per_epoch = (time.monotonic() - state["t0"]) / max(run_epochs, 1)
        left = (trainer.epochs - done) * per_epoch
        tloss = trainer.tloss
        if isinstance(tloss, dict):  # ultralytics >= 8.4 keeps named running means
            loss = [float(v) for v in tloss.values()]
        else:
            loss = [] if tloss is None else [float(v) for v in tloss.reshape(-1)]
        finish = time.strftime("%H:%M", time.localtime(time.time() + left))
        print(
            f"[sentinel] epoch {done}/{trainer.epochs} took {took:.0f} s "
            f"({took / max(len(trainer.train_loader.dataset), 1):.3f} s/img incl. val), "
            f"loss box/cls/dfl {' '.join(f'{v:.3f}' for v in loss)}, "
            f"val P {metrics.get('metrics/precision(B)', 0):.3f} "
            f"R {metrics.get('metrics/recall(B)', 0):.3f} "
            f"mAP50 {metrics.get('metrics/mAP50(B)', 0):.3f}, "
            f"ETA {left / 3600:.2f} h ({finish})",
            flush=True,
        )

    model.add_callback("on_train_epoch_start", on_train_epoch_start)
    model.add_callback("on_fit_epoch_end", on_fit_epoch_end)


def train(args: argparse.Namespace) -> Path:
    from ultralytics import YOLO

    run_dir = args.project / args.name
    last = run_dir / "weights" / "last.pt"
    if args.resume:
        if not last.is_file():
            raise SystemExit(f"nothing to resume: {last} does not exist")
        print(f"[sentinel] resuming {last}", flush=True)
        model = YOLO(str(last))
        _progress_callbacks(model)
        # Only device/workers/batch/imgsz/cache... may change on resume; epochs, data and the
        # rest come from the checkpoint.
        model.train(resume=str(last), device=args.device, workers=args.workers, plots=False)
    else:
        if last.exists() and not args.restart:
            raise SystemExit(
                f"{last} exists: continue it with --resume, or start over with --restart"
            )
        if args.restart and run_dir.exists():
            shutil.rmtree(run_dir)
        print(
            f"[sentinel] training {args.model} on {args.data} for "
            + (f"{args.time} h" if args.time else f"{args.epochs} epochs"),
            flush=True,
        )
        model = YOLO(str(args.model))
        _progress_callbacks(model)
        model.train(
            data=str(args.data),
            epochs=args.epochs,
            imgsz=IMGSZ,
            batch=args.batch,
            workers=args.workers,
            device=args.device,
            project=str(args.project),
            name=args.name,
            exist_ok=True,
            cache="ram",
            plots=False,
            seed=0,
            patience=args.patience,
            warmup_epochs=args.warmup_epochs,
            close_mosaic=args.close_mosaic,
            time=args.time,
            scale=args.scale,
            **parse_augment(args.augment),
        )
    best = run_dir / "weights" / "best.pt"
    return best if best.is_file() else last


def export(weights: Path, out_dir: Path = MODELS_DIR) -> Path:
    """Export `weights` to ONNX (static 320, opset 12, onnxslim) into `out_dir`, copy the .pt."""
    import onnx
    from ultralytics import YOLO

    model = YOLO(str(weights))
    exported = Path(
        model.export(
            format="onnx", imgsz=IMGSZ, opset=OPSET, simplify=True, dynamic=False, device="cpu"
        )
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / ONNX_NAME
    shutil.copyfile(exported, onnx_path)
    if weights.resolve() != (out_dir / PT_NAME).resolve():
        from ultralytics.utils.torch_utils import strip_optimizer

        # EMA weights only, no optimizer state: ~5 MB, what a retraining run starts from
        strip_optimizer(weights, s=str(out_dir / PT_NAME))

    meta = {p.key: p.value for p in onnx.load(str(onnx_path)).metadata_props}
    names = ast.literal_eval(meta.get("names", "{}"))
    expected = dict(enumerate(TRAIN_NAMES))
    if names != expected:
        raise RuntimeError(f"ONNX metadata names {names} != {expected}")
    print(
        f"[sentinel] exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB), "
        f"names {names}, imgsz {meta.get('imgsz')}; saved {weights.name} without optimizer as "
        f"{out_dir / PT_NAME} ({(out_dir / PT_NAME).stat().st_size / 1e6:.1f} MB)",
        flush=True,
    )
    return onnx_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--model",
        default="yolo11n.yaml",
        help=f"model yaml (from scratch) or a .pt to fine-tune, e.g. resources/models/{PT_NAME}",
    )
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument(
        "--time",
        type=float,
        default=None,
        metavar="HOURS",
        help="train for this long instead of --epochs (ultralytics re-plans the epochs and the "
        "learning-rate schedule after each one); for a machine lent for a fixed time",
    )
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--patience", type=int, default=100)
    parser.add_argument(
        "--warmup-epochs", type=float, default=3.0, help="0-1 when fine-tuning a trained .pt"
    )
    parser.add_argument(
        "--close-mosaic", type=int, default=10, help="last epochs trained without mosaic"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=0.5,
        help="random zoom gain (ultralytics `scale`): 0.9 shrinks objects to 0.1x, more small cars",
    )
    parser.add_argument(
        "--augment",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another ultralytics augmentation setting, e.g. mixup=0.15 (repeatable)",
    )
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--name", default=DEFAULT_NAME)
    parser.add_argument("--resume", action="store_true", help="continue the run's last.pt")
    parser.add_argument("--restart", action="store_true", help="delete the run and start over")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="skip training; export --weights (default: the run's best.pt)",
    )
    parser.add_argument("--weights", type=Path, help="checkpoint for --export-only")
    parser.add_argument("--export-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    args.project = args.project.resolve()

    if args.export_only:
        weights = args.weights or args.project / args.name / "weights" / "best.pt"
        export(weights, args.export_dir)
        return 0
    started = time.monotonic()
    weights = train(args)
    print(
        f"[sentinel] training finished in {(time.monotonic() - started) / 3600:.2f} h; "
        f"weights {weights}",
        flush=True,
    )
    if not args.no_export:
        export(weights, args.export_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
