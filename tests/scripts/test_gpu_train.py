"""scripts/gpu_train: what travels to a lent GPU machine is enough to train there. Only label
files travel; the images re-made from the bundled clips must be the distilled dataset's own."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from engine.training.distill_dataset import ClipPlan, build

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "gpu_train"
CLIPS = Path(__file__).resolve().parents[2] / "resources" / "clips"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_images_remade_from_the_clips_are_the_distilled_ones(tmp_path):
    made = tmp_path / "made"
    build(made, plan=(ClipPlan("traffic_multilane_topdown.mp4", 40),), teacher_sizes=(416,))
    travelled = tmp_path / "travelled"
    shutil.copytree(made / "labels", travelled / "labels")
    _load(SCRIPTS / "rebuild_images.py", "rebuild_images").rebuild(travelled, CLIPS)
    originals = sorted(p.relative_to(made) for p in made.glob("images/*/*.jpg"))
    remade = sorted(p.relative_to(travelled) for p in travelled.glob("images/*/*.jpg"))
    assert originals and remade == originals
    assert all((made / p).read_bytes() == (travelled / p).read_bytes() for p in originals)


def test_polars_stand_in_reads_results_csv_as_ultralytics_does(tmp_path):
    csv = b"epoch,metrics/mAP50(B),lr/pg0\n1,0.25,0.001\n2,0.5,0.002\n"
    polars = _load(SCRIPTS / "shim" / "polars" / "__init__.py", "polars_stand_in")
    columns = polars.read_csv(csv, infer_schema_length=None).to_dict(as_series=False)
    assert columns == {
        "epoch": [1.0, 2.0],
        "metrics/mAP50(B)": [0.25, 0.5],
        "lr/pg0": [0.001, 0.002],
    }
