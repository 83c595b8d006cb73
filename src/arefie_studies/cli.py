"""Command-line entry point: ``arefie-studies``."""

from __future__ import annotations

import argparse
import sys

from arefie_studies import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arefie-studies", description=__doc__)
    parser.add_argument("--version", action="version", version=f"arefie-studies {__version__}")
    parser.parse_args(argv)
    print(f"arefie-studies {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
