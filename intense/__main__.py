"""python -m intense {train,sweep} ...: see `intense.runs.cli`."""

import sys

from .runs.cli import main

if __name__ == "__main__":
    sys.exit(main())
