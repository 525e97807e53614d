"""``python -m runlog``: the ``runlog`` command line."""

import sys

from ._cli import main

sys.exit(main())
