"""Constant-velocity Kalman filter for one box, in seconds of source time.

The state is (cx, cy, a, h, vcx, vcy, va, vh): centre, aspect w/h and height, plus their
velocities per second. Noise follows ByteTrack (std proportional to the box height) but is
expressed per second, because the detection stride varies and frames can be skipped: the
process variance grows linearly with the elapsed time instead of once per call.
"""

from __future__ import annotations

import numpy as np

# ByteTrack's per-frame weights (std as a fraction of h) at its 30 fps reference, converted to
# per-second units so that stepping 1/30 s reproduces ByteTrack exactly.
_REFERENCE_FPS = 30.0
_POS_WEIGHT = 1.0 / 20.0  # std of a position per frame, and of a measurement, as a fraction of h
_VEL_WEIGHT = 1.0 / 160.0  # std of a velocity (px/frame) per frame, as a fraction of h

_ASPECT_MEASUREMENT_STD = 1e-1
_ASPECT_PROCESS_STD = 1e-2  # per reference frame
_ASPECT_VEL_PROCESS_STD = 1e-5  # per reference frame, in aspect/frame

_NDIM = 4


def xyxy_to_xyah(xyxy: np.ndarray) -> np.ndarray:
    """(N,4) corner boxes -> (N,4) centre x, centre y, aspect w/h, height."""
    xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    w = xyxy[:, 2] - xyxy[:, 0]
    h = np.maximum(xyxy[:, 3] - xyxy[:, 1], 1e-6)
    return np.stack([xyxy[:, 0] + w / 2, xyxy[:, 1] + h / 2, w / h, h], axis=1)


def xyah_to_xyxy(xyah: np.ndarray) -> np.ndarray:
    """(N,4) centre x, centre y, aspect, height -> (N,4) corner boxes (height floored at 1 px)."""
    xyah = np.asarray(xyah, dtype=np.float64).reshape(-1, 4)
    # An extrapolated shrinking box can reach h <= 0; keep it a drawable box.
    h = np.maximum(xyah[:, 3], 1.0)
    w = np.maximum(xyah[:, 2], 0.0) * h
    cx, cy = xyah[:, 0], xyah[:, 1]
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


class KalmanBoxFilter:
    """One track's filter. `t` is the source time (seconds) the mean refers to."""

    def __init__(self, xyah: np.ndarray, t: float) -> None:
        measurement = np.asarray(xyah, dtype=np.float64).reshape(_NDIM)
        h = measurement[3]
        self.mean = np.concatenate([measurement, np.zeros(_NDIM)])
        # ByteTrack's initial spread: 2x the position weight, 10x the velocity weight.
        vel_std = 10 * _VEL_WEIGHT * h * _REFERENCE_FPS
        std = np.array(
            [
                2 * _POS_WEIGHT * h,
                2 * _POS_WEIGHT * h,
                1e-2,
                2 * _POS_WEIGHT * h,
                vel_std,
                vel_std,
                1e-5 * _REFERENCE_FPS,
                vel_std,
            ]
        )
        self.covariance = np.diag(std**2)
        self.t = float(t)

    @staticmethod
    def _transition(dt: float) -> np.ndarray:
        motion = np.eye(2 * _NDIM)
        motion[:_NDIM, _NDIM:] = dt * np.eye(_NDIM)
        return motion

    @staticmethod
    def _process_noise(h: float, dt: float) -> np.ndarray:
        # Continuous white noise: variance per second = per-frame variance * reference fps.
        pos = _POS_WEIGHT * h
        vel = _VEL_WEIGHT * h * _REFERENCE_FPS
        per_frame_std = np.array(
            [
                pos,
                pos,
                _ASPECT_PROCESS_STD,
                pos,
                vel,
                vel,
                _ASPECT_VEL_PROCESS_STD * _REFERENCE_FPS,
                vel,
            ]
        )
        return np.diag(per_frame_std**2 * (_REFERENCE_FPS * dt))

    def projected(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance extrapolated to `t`, leaving the filter unchanged."""
        dt = max(float(t) - self.t, 0.0)  # never run the model backwards
        if dt == 0.0:
            return self.mean.copy(), self.covariance.copy()
        motion = self._transition(dt)
        mean = motion @ self.mean
        covariance = motion @ self.covariance @ motion.T + self._process_noise(self.mean[3], dt)
        return mean, covariance

    def predict(self, t: float) -> None:
        """Advance the state to source time `t` (no-op when `t` is not later than `self.t`)."""
        self.mean, self.covariance = self.projected(t)
        self.t = max(self.t, float(t))

    def update(self, xyah: np.ndarray) -> None:
        """Correct the state (already predicted to the measurement's time) with a box."""
        measurement = np.asarray(xyah, dtype=np.float64).reshape(_NDIM)
        h = self.mean[3]
        r_std = np.array(
            [_POS_WEIGHT * h, _POS_WEIGHT * h, _ASPECT_MEASUREMENT_STD, _POS_WEIGHT * h]
        )
        projected_cov = self.covariance[:_NDIM, :_NDIM] + np.diag(r_std**2)
        # Gain K = P H^T S^-1 with H = [I 0]; solve instead of inverting S.
        gain = np.linalg.solve(projected_cov, self.covariance[:_NDIM, :]).T
        innovation = measurement - self.mean[:_NDIM]
        self.mean = self.mean + gain @ innovation
        self.covariance = self.covariance - gain @ projected_cov @ gain.T

    def stop_scaling(self) -> None:
        """Forget the height velocity (ByteTrack does this for lost tracks so they do not
        grow or shrink without evidence)."""
        self.mean[7] = 0.0

    def box(self, t: float | None = None) -> np.ndarray:
        """The (4,) xyxy box at the filter's own time, or translated to source time `t`.

        Extrapolation moves the centre only and keeps the current size: size velocities from
        jittery detector boxes are mostly noise, and over a few frames they made still boxes
        visibly shrink or swell. Nothing changes in the filter.
        """
        xyah = self.mean[:_NDIM].copy()
        if t is not None:
            xyah[:2] += max(float(t) - self.t, 0.0) * self.mean[_NDIM : _NDIM + 2]
        return xyah_to_xyxy(xyah)[0]
