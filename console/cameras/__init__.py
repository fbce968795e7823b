"""Camera list and the add-camera dialog."""
