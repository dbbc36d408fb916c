"""The hardware layer's exceptions: one root, subclasses that also inherit the
built-in they resemble, and messages that say what to do next."""


class HardwareError(Exception):
    """Root of every error raised by :mod:`hardware`."""


class PinFactoryError(HardwareError, RuntimeError):
    """No pin factory could be made for the requested backend."""


class PinConflictError(HardwareError, ValueError):
    """Two devices were given the same pin, or a pin that does not exist."""


class PinBusyError(HardwareError, RuntimeError):
    """A GPIO line is held by another process (another station, a test)."""


class DeviceClosedError(HardwareError, RuntimeError):
    """A device was used after its ``close()``."""


class PrinterError(HardwareError, OSError):
    """The receipt printer could not print."""


class PrinterOfflineError(PrinterError):
    """The printer does not answer: cable, power or network."""


class PaperOutError(PrinterError):
    """The printer reports that its paper roll is empty."""


class PrinterFontError(PrinterError, FileNotFoundError):
    """No font with Chinese glyphs was found for raster printing."""
