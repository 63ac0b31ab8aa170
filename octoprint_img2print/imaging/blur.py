"""Gaussian smoothing of a 2-D array on whole arrays (separable, through the FFT), edges extended as they are."""

from __future__ import annotations

import numpy as np

TRUNCATE = 4.0  # the kernel reaches this many standard deviations, as scipy's does


def _along(array: np.ndarray, sigma: float, axis: int) -> np.ndarray:
    radius = int(np.ceil(TRUNCATE * sigma))
    if radius < 1:
        return array
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    width = [(0, 0), (0, 0)]
    width[axis] = (radius, radius)
    padded = np.pad(array, width, mode="edge")
    size = padded.shape[axis] + len(kernel) - 1
    length = 1 << int(np.ceil(np.log2(size)))
    spectrum = np.fft.rfft(padded, n=length, axis=axis) * np.expand_dims(np.fft.rfft(kernel, n=length), 1 - axis)
    full = np.fft.irfft(spectrum, n=length, axis=axis)
    start = 2 * radius
    return np.take(full, np.arange(start, start + array.shape[axis]), axis=axis)


def gaussian(array: np.ndarray, sigma: float) -> np.ndarray:
    """``array`` smoothed with a Gaussian of ``sigma`` cells, float32."""
    if sigma <= 0:
        return array.astype(np.float32)
    smoothed = _along(_along(array.astype(np.float64), sigma, 0), sigma, 1)
    return smoothed.astype(np.float32)
