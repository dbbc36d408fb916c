"""The camera seam: picamera2 on the Pi (imported lazily), a simulated camera
for development, tests and rehearsals.

- :mod:`camera.settings` - :class:`~camera.settings.CameraSettings` (backend, sizes, JPEG quality)
- :mod:`camera.base` - the :class:`~camera.base.Camera` every backend is
- :mod:`camera.errors` - :class:`~camera.errors.CameraError`, the one failure
- :mod:`camera.picamera2_backend` - the Pi camera: one lores + main configuration
- :mod:`camera.simulated` and :mod:`camera.scenes` - the simulated camera and what it sees
- :mod:`camera.factory` - :func:`~camera.factory.open_camera` for the configured backend
- :mod:`camera.qr` - QR codes in a frame: zxing-cpp and zbar, the plans tried, the suite's
- :mod:`camera.showing` and :mod:`camera.showings` - QR codes shown badly (blur, tilt, dim,
  moire, glare, noise, far away): the frames the tests and ``bench/qr_decode.py`` read
- :mod:`camera.photo` - stamp photos: JPEG + EXIF + sha256
- :mod:`camera.checks` - blocked lens, document fingerprints
- :mod:`camera.probe` - is there a camera (for ``village-edge doctor``)
"""
