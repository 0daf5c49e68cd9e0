"""`python -m questlog.cli`: the questlog command."""

import sys

from questlog.cli import main

sys.exit(main())
