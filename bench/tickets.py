"""Admission tickets: PNG+QR and A4 PDF per second on one core, against a naive reference implementation."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from bench.machine import describe, pin_to_core
from bench.stats import Timing, time_each
from bench.ticket_baseline import NaiveTicketRenderer
from bench.ticket_samples import sample_views
from bot.i18n import I18n
from bot.rendering.fonts import find_cjk_font
from bot.rendering.ticket_png import TicketRenderer
from bot.rendering.ticket_view import TicketView

WARM_UP = 10


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench tickets", description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="tickets rendered as PNG by the renderer (default 300)")
    parser.add_argument("--pdf-count", type=int, default=100, help="tickets rendered as PDF by the renderer (default 100)")
    parser.add_argument("--baseline-count", type=int, default=60, help="PNG tickets for the naive reference (default 60)")
    parser.add_argument("--baseline-pdf-count", type=int, default=20, help="PDF tickets for the naive reference (default 20)")
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the generated ticket data")
    parser.add_argument("--pin", type=int, metavar="CPU", help="pin the process to this CPU (the work is single-threaded anyway)")
    return parser.parse_args(argv)


def _row(label: str, timing: Timing) -> str:
    figures = f"{timing.rate:>9.1f} {timing.percentile_ms(0.5):>8.1f} {timing.percentile_ms(0.95):>8.1f} {timing.wall_rate:>11.1f}"
    return f"  {label:<34} {figures}"


def _ratio(label: str, fast: Timing, slow: Timing) -> str:
    return f"  {label:<34} {fast.rate / slow.rate:>8.1f}x"


def main(argv: list[str]) -> int:
    """Run the tickets benchmark and print the figures."""
    options = _options(argv)
    pinned = None if options.pin is None else pin_to_core(options.pin)
    i18n = I18n()
    font = find_cjk_font()
    started = time.perf_counter()
    renderer = TicketRenderer(i18n, font)
    naive = NaiveTicketRenderer(i18n, font)
    views = sample_views(max(options.count, options.pdf_count, options.baseline_count, options.baseline_pdf_count) + WARM_UP, options.seed)
    warm, views = views[:WARM_UP], views[WARM_UP:]
    for view in warm:  # fills the renderer's caches; the first PDF prepares the reduced font face (cached on disk)
        renderer.png(view)
        naive.png(view)
    first_pdf = time.perf_counter()
    renderer.pdf(warm[0])
    naive.pdf(warm[0])
    setup = time.perf_counter() - started
    pdf_setup = time.perf_counter() - first_pdf

    png = time_each(views[: options.count], renderer.png)
    png_naive = time_each(views[: options.baseline_count], naive.png)
    pdf = time_each(_fresh_qr(views[: options.pdf_count]), renderer.pdf)
    pdf_naive = time_each(_fresh_qr(views[: options.baseline_pdf_count]), naive.pdf)
    with_photo = sum(1 for v in views[: options.count] if v.photo is not None)
    chinese = sum(1 for v in views[: options.count] if v.locale == "zh_CN")

    print(f"machine: {describe(pinned)}")
    print(
        f"data: {options.count} varied tickets ({chinese} zh_CN, {options.count - chinese} en; {with_photo} with photo; "
        f"1-3 sittings); seed {options.seed}"
    )
    print(f"setup: {setup:.2f} s for both renderers and warm-up (first PDF incl. font preparation {pdf_setup:.2f} s)")
    print("one thread; rates per CPU second, p50/p95 of per-ticket CPU time; wall/s = per wall-clock second")
    print(f"  {'':<34} {'tickets/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'wall/s':>11}")
    print(_row(f"PNG + QR, renderer (n={options.count})", png))
    print(_row(f"PNG + QR, naive (n={options.baseline_count})", png_naive))
    print(_ratio("PNG speed-up over naive", png, png_naive))
    print(_row(f"PDF A4, renderer (n={options.pdf_count})", pdf))
    print(_row(f"PDF A4, naive (n={options.baseline_pdf_count})", pdf_naive))
    print(_ratio("PDF speed-up over naive", pdf, pdf_naive))
    return 0


def _fresh_qr(views: list[TicketView]) -> list[TicketView]:
    """The views with links the PNG runs did not use, so the PDF figures include computing the QR matrix."""
    return [replace(v, qr_link=v.qr_link + "pdf") for v in views]
