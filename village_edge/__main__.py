"""``python -m village_edge``, the same as the ``village-edge`` command."""

import sys

from village_edge.cli import main

sys.exit(main())
