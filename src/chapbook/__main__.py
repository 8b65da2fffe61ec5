"""`python -m chapbook` is the `chapbook` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a layout worker's process imports the main module
    sys.exit(main())
