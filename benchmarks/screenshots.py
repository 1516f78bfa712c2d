"""The screenshots in docs/screenshots/: every page a reader meets, light and dark, at 1280 and
390 px, taken from a running archive with the seed data by Debian's chromium through Playwright.

    make data && make serve PORT=8105 &
    .venv/bin/python benchmarks/screenshots.py http://127.0.0.1:8105

Each file is ``<page>-<width>-<light|dark>.png``, the first screen a reader sees (not the whole
page); with ``--language de`` (or ``zh-hans``) the interface is in that language and the files are
``i18n-<de|zh>-<page>-<width>-<light|dark>.png``. Run it again whenever a page changes;
docs/screenshots.md shows them all.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
INTERVIEW = "/interviews/20vc-aidan-gomez-cohere/"
SIZES = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}
QUOTE_TURN = "t13"  # the German turn about better data: a quote with a translation and topics

PAGES = {
    "home": "/",
    "speakers": "/speakers/",
    "interviews": "/interviews/",
    "transcript-de": INTERVIEW + "de/",
    "transcript-zh": INTERVIEW + "zh/",
    "find": INTERVIEW + "de/?find=Daten",
    "quote": None,  # found on the German transcript page, by QUOTE_TURN's permalink
    "search": "/search/?q=Datenqualit%C3%A4t",
    "side-by-side": INTERVIEW + "side-by-side/?left=de&right=zh",
    "charts-archive": "/charts/",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8105", help="the running archive")
    parser.add_argument("--only", nargs="*", choices=sorted(PAGES), help="these pages only")
    parser.add_argument("--language", choices=["en", "de", "zh-hans"], help="the interface language (a cookie)")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        for width, viewport in SIZES.items():
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                if args.language:
                    context.add_cookies([{"name": "django_language", "value": args.language, "url": base}])
                page = context.new_page()
                for name, path in PAGES.items():
                    if args.only and name not in args.only:
                        continue
                    if path is None:
                        page.goto(base + PAGES["transcript-de"])
                        path = page.locator(f"#{QUOTE_TURN} .permalink").get_attribute("href")
                    page.goto(base + path, wait_until="networkidle")
                    prefix = f"i18n-{args.language.split('-')[0]}-" if args.language else ""
                    target = OUT / f"{prefix}{name}-{width}-{scheme}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(OUT.parent.parent))
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
