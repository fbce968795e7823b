"""Offline training tools: distil YOLOX-Nano's labels into a YOLO dataset, train and export the
project's YOLO11n vehicle model, and evaluate it against YOLOX-Nano.

Only `distill_dataset` and `evaluate` run in the engine's own environment (numpy, OpenCV,
onnxruntime). `train_yolo` needs the `train` extra (ultralytics, torch) and runs in its own
virtual environment (.venv-train); nothing in the engine imports this package.
"""
