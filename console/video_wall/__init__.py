"""Live video wall: camera tiles with frame-exact overlays."""
