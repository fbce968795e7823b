"""Edge mode: an engine on a Jetson (or any box near the cameras) that forwards its events to a
central engine, with store-and-forward while the central side is away."""
