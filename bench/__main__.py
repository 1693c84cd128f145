"""`python -m bench` lists the benchmarks; `python -m bench NAME [options]` runs one (`NAME --help` for options)."""

from __future__ import annotations

import sys

from bench import BENCHMARKS, load, summary


def main(argv: list[str]) -> int:
    """Dispatch to one benchmark, or list them."""
    if not argv or argv[0] in ("-h", "--help", "list"):
        print("usage: python -m bench NAME [options]\n\nbenchmarks:")
        for name in sorted(BENCHMARKS):
            print(f"  {name:<12} {summary(name)}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; known: {', '.join(sorted(BENCHMARKS))}", file=sys.stderr)
        return 2
    return int(load(name).main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
