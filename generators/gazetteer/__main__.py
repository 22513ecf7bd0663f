"""`python -m generators.gazetteer OUT.sqlite`: build the index (the gazetteer runs this in a child process)."""

import sys
from pathlib import Path

from generators.gazetteer.build import build

if __name__ == "__main__":
    build(Path(sys.argv[1]))
