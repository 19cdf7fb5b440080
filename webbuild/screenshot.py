"""``python -m webbuild.screenshot [OUT.png] [--width W --height H]``: the demo in use, for the README.

Serves dist/site, opens the demo in headless Chromium, loads the "Mistakes" sample, types the start of
a word so a ghost completion shows, and saves a screenshot.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from slm_web.serve import served
from webbuild.chromium import launch

ROOT = Path(__file__).resolve().parent.parent


def screenshot(site: Path, out: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with (
        served(site) as base_url,
        sync_playwright() as pw,
        tempfile.TemporaryDirectory(prefix="slm-shot-") as profile,
    ):
        context = launch(pw, profile, viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{base_url}demo/")
        page.wait_for_selector("body[data-state=ready]", timeout=180_000)
        page.click("[data-sample=mistakes]")
        page.wait_for_selector(".slm-badge:not([hidden])", timeout=30_000)
        page.keyboard.type(" I would li", delay=80)
        page.wait_for_selector(".slm-ghost", timeout=30_000)
        page.wait_for_timeout(1500)  # let the grammar and sentiment panels catch up
        page.screenshot(path=str(out), full_page=width < 700)
        context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="webbuild.screenshot", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "demo.png")
    parser.add_argument("--site", type=Path, default=ROOT / "dist" / "site")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args(argv)
    screenshot(args.site, args.out, args.width, args.height)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
