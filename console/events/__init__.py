"""Live event list and the snapshot view."""
