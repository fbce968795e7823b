"""Training the plate-specific recogniser (needs the `train` extra: torch; the engine never
imports this package). `python -m engine.alpr.training.train_plate_rec` makes
resources/models/plate_rec_crnn.onnx."""
