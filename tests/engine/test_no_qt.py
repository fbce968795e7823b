"""The engine runs headless: importing every engine module pulls in no Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def test_importing_every_engine_module_leaves_qt_out():
    modules = sorted(
        ".".join(path.relative_to(ENGINE.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in ENGINE.rglob("*.py")
        if "migrations" not in path.parts
    )
    # Training code needs the `train` extra (torch), which the engine's venv never has: such a
    # module may fail to import for torch alone, and only inside a training package.
    code = (
        "import importlib, sys\n"
        "train_only = []\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name not in ('torch', 'ultralytics') or '.training' not in name:\n"
        "            raise\n"
        "        train_only.append(name)\n"
        "qt = ('PySide6', 'shiboken6', 'pyqtgraph')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in qt)\n"
        "print(len(sys.modules), bad, 'train-only:', train_only)\n"
        "sys.exit(1 if bad or 'torch' in sys.modules else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(modules) > 20


def test_import_linter_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(linter)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "Contracts: 2 kept, 0 broken" in done.stdout
