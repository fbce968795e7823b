"""Live video to remote viewers over WebRTC: the camera's own H.264 relayed as is, each frame's
detections beside it on a data channel, keyed by the frame's RTP time."""
