"""Whether a pin library's error means "another process holds this line".

lgpio (the factory the stations use) claims each line for one process and
raises ``lgpio.error('GPIO busy')`` for a line already claimed; the kernel's
character device answers ``EBUSY`` to a library that passes it on.
"""

from __future__ import annotations

import errno

LGPIO_BUSY = "GPIO busy"  # lg_error_text(LG_GPIO_BUSY)


def line_busy(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno == errno.EBUSY:
        return True
    return LGPIO_BUSY in str(error)
