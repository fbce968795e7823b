"""`sentinel-console`: the operator console."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.client import EngineClient


def _drop_opencv_qt_paths() -> None:
    """opencv-python points Qt at its own plugin folder on import; PySide6 must use its own."""
    for key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        if "cv2" in os.environ.get(key, ""):
            del os.environ[key]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentinel-console", description="Sentinel operator console"
    )
    parser.add_argument("--demo", action="store_true", help="in-process engine on bundled clips")
    parser.add_argument(
        "--alpr",
        action="store_true",
        help="with --demo: add a camera that reads licence plates (OCR in this process); 3x3 wall",
    )
    parser.add_argument("--data-dir", type=Path, help="where the in-process engine keeps its data")
    parser.add_argument("--screenshot", type=Path, help="save the main window to this PNG and exit")
    parser.add_argument("--after", type=float, default=5.0, help="seconds before the screenshot")
    parser.add_argument(
        "--view", choices=("wall", "fleet"), default="wall", help="the tab shown first"
    )
    parser.add_argument(
        "--camera-workers",
        choices=("process", "thread"),
        default="process",
        help="each camera in its own process (default: the GUI thread only paints) or a thread",
    )
    remote = parser.add_argument_group("remote engines (sites)")
    remote.add_argument(
        "--engine",
        action="append",
        default=[],
        metavar="URL",
        help="an engine server (https://host:port) instead of the in-process engine; repeat it "
        "for several sites. Password from SENTINEL_PASSWORD, else asked",
    )
    remote.add_argument("--user", default="", help="user name on the --engine servers")
    remote.add_argument("--ca", help="CA file of the --engine servers' certificates")
    remote.add_argument(
        "--connect", action="store_true", help="choose saved sites in the connect dialog"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # camera processes of a PyInstaller build start here
    parser = build_parser()
    args = parser.parse_args(argv)
    remote = bool(args.engine or args.connect)
    if remote and args.demo:
        parser.error("--demo runs the in-process engine; it does not go with --engine/--connect")
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from engine.security.log_redaction import install_log_redaction

    install_log_redaction()  # no plate text in any log line, whatever the role
    try:
        from engine.client.local import open_local_client
        from engine.config import Settings

        data_dir = args.data_dir or (
            Path(tempfile.mkdtemp(prefix="sentinel-demo-")) if args.screenshot else None
        )
        overrides = {"SENTINEL_CAMERA_WORKERS": args.camera_workers}
        if data_dir:
            overrides["SENTINEL_DATA_DIR"] = data_dir
        settings = Settings(**overrides)
        client: EngineClient | None = (
            None if remote else open_local_client(settings, demo=args.demo, alpr=args.alpr)
        )
    except Exception as exc:  # start-up errors: one line, no traceback
        print(f"sentinel-console: error: {exc}", file=sys.stderr)
        return 2
    _drop_opencv_qt_paths()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.bridge import EngineBridge
    from console.gui_thread_gc import GuiThreadGarbageCollector
    from console.main_window import MainWindow
    from console.video_wall.wall import LAYOUTS

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("sentinel-console")  # names the folder of its saved sites
    collector = GuiThreadGarbageCollector(parent=app)
    collector.start()  # before any engine thread shares the process with Qt objects
    if client is None:
        from console.sites.launch import connect_sites

        try:
            client = connect_sites(args.engine, args.user, args.ca, ask=args.connect)
        except Exception as exc:  # no site could be opened: one line, no traceback
            print(f"sentinel-console: error: {exc}", file=sys.stderr)
            return 2
        if client is None:
            return 0  # the operator cancelled the connect dialog
    bridge = EngineBridge(client)
    window = MainWindow(bridge)
    window.resize(1600, 900)
    cameras = len(window.camera_list.camera_ids())
    if cameras > len(window.wall.tiles):  # e.g. --alpr's fifth camera: every camera on screen
        window.set_layout(next((s for s in LAYOUTS if s * s >= cameras), LAYOUTS[-1]))
    window.show_view(args.view)
    window.show()
    if args.screenshot:

        def shoot() -> None:
            ok = window.grab().save(str(args.screenshot))
            app.exit(0 if ok else 3)

        QTimer.singleShot(int(args.after * 1000), shoot)
    try:
        return app.exec()
    finally:
        window.close()
        client.close()
        shut_down_qt(app, window)
        collector.stop()


def shut_down_qt(app, window) -> None:
    """Deliver the frames camera threads queued before they stopped, then delete the window
    while Qt is still alive: queued Python payloads left for interpreter shutdown can crash it."""
    app.processEvents()
    window.deleteLater()
    app.sendPostedEvents(None, 0)  # 0 = QEvent.DeferredDelete: run the deleteLater now
    app.processEvents()


if __name__ == "__main__":
    sys.exit(main())
