"""The exit statuses of ``village-edge``, one table for every subcommand, on
the BSD sysexits model (``man sysexits``)::

      0  done
      1  a check ran and found problems, reported on stdout: a doctor or
         selftest FAIL, an invalid catalog, a broken ledger, a seal scenario
         whose expectations failed, an update that was rolled back
     64  usage: an unknown command or option, an argument missing, malformed
         or out of range
     65  bad input data: a file or value that is there but wrong (not JSON,
         a bad scenario or boot file entry, a code or request the county
         refused, a release that is not one)
     66  input missing: a file or directory to read is not there, is the
         wrong kind or cannot be read; no county in --data; no previous
         release to roll back to
     69  unavailable: hardware or a program that cannot be opened or run (no
         GPIO pins, the printer, the camera, Xvfb, a failed build); a port
         already in use
     70  internal error: a bug; VILLAGE_EDGE_DEBUG=1 shows the traceback
     73  cannot create output: a file or directory to write is the wrong
         kind or not writable
     74  I/O error: the disk is full, read-only or failing
     75  try again later: the county cannot be reached; an update waits for
         an approved seal session, another update or 'update verify' to end
     78  configuration to fix: the configuration or boot file has problems;
         the device has not enrolled or was not installed
    130  interrupted (Ctrl-C)

An error is one line on stderr, "village-edge COMMAND: what is wrong and
what to do"; stdout keeps only results. The one exception is a file with
several problems (a configuration, a boot file): its first line ends with
"(N problems):" and each problem follows on a line of its own, indented by
two spaces. (Without a configuration file, on a development machine, a
command that keeps state says where on a line of its own beginning
"note:".)
"""

from __future__ import annotations

import inspect

OK = 0
PROBLEMS_FOUND = 1
USAGE = 64
DATA_ERROR = 65
NO_INPUT = 66
UNAVAILABLE = 69
SOFTWARE = 70
CANT_CREATE = 73
IO_ERROR = 74
TRY_AGAIN = 75
CONFIG = 78
INTERRUPTED = 130


def table() -> str:
    """The table above and what follows it, as ``village-edge --help``
    shows them."""
    paragraphs = inspect.cleandoc(__doc__ or "").split("\n\n")
    return "\n\n".join(["exit statuses:\n" + paragraphs[1], *paragraphs[2:]])
