"""`python -m chapbook` is the `chapbook` command."""

import sys

from .cli import main

sys.exit(main())
