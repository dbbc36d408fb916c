"""The camera seam: picamera2 on the Pi (imported lazily), a simulated camera
for development. This package so far answers one question, whether a camera is
there (:mod:`camera.probe`)."""
