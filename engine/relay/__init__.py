"""Live video to remote viewers over WebRTC: the camera's own H.264 relayed as is (an H.265
camera's transcoded to H.264 once per camera, shared by its viewers), each frame's detections
beside it on a data channel, keyed by the frame's RTP time."""
