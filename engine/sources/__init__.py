"""Video sources: files and RTSP via PyAV; reconnect with backoff lives here."""
