"""Makes the bundled YOLOX-Nano accept any input size and carry its class names.

The source model has fixed 416x416 input dims; YOLOX's graph is fully convolutional with a
flattening reshape, so symbolic dims are enough for it to run at 320 (measured faster) or 512.
Class names go into the model's metadata ("names", as ultralytics exports do) so "car" stays "car".

    python scripts/make_yolox_dynamic.py ../shared/data/models/yolox_nano_416.onnx \
        resources/models/coco80.names resources/models/yolox_nano.onnx
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx


def make_dynamic(source: Path, names_file: Path, target: Path) -> None:
    model = onnx.load(str(source))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim, name in zip(dims, ["batch", None, "height", "width"], strict=False):
        if name:
            dim.ClearField("dim_value")
            dim.dim_param = name
    for output in model.graph.output:
        for dim, name in zip(
            output.type.tensor_type.shape.dim, ["batch", "anchors", None], strict=False
        ):
            if name:
                dim.ClearField("dim_value")
                dim.dim_param = name
    # Shapes inferred for the fixed size would contradict other sizes.
    del model.graph.value_info[:]
    names = [line.strip() for line in names_file.read_text().splitlines() if line.strip()]
    meta = {"names": repr(dict(enumerate(names))), "family": "yolox", "strides": "8,16,32"}
    del model.metadata_props[:]
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    make_dynamic(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
