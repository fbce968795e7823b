"""Licence plates: text detection, plate finding, recognition, normalisation, per-track voting."""
