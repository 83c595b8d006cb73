"""``python -m arefie_studies.synth [--out DIR] [--seed N] [--scale X] [--reference] [--codebooks]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from arefie_studies.synth import generate_all, write_codebooks, write_reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arefie_studies.synth", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data/synthetic"), help="output folder")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink every sample size (e.g. 0.1)")
    parser.add_argument("--reference", action="store_true", help="also rewrite data/reference/*.csv")
    parser.add_argument("--codebooks", action="store_true", help="also rewrite data/codebooks/*.yaml")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.reference:
        for p in write_reference():
            print(f"reference  {p}")
    if args.codebooks:
        for p in write_codebooks():
            print(f"codebook   {p}")
    for p in generate_all(args.out, args.seed, scale=args.scale):
        print(f"synthetic  {p}  ({p.stat().st_size / 1024:,.0f} KiB)")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
