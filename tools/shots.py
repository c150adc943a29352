"""Take full-page screenshots of the app's pages (a developer's eye check, not a test).

    python tools/shots.py --workspace WS.duckdb --out shots/ [page-title ...]

Starts `streamlit run app.py` on a free localhost port against WS, visits each page in
Debian's headless Chromium at 1366×768 and writes one PNG per page.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--out", default="shots")
    ap.add_argument("--width", type=int, default=1366)
    ap.add_argument("pages", nargs="*", help="sidebar link titles; default: every page")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, QUNJIAN_WORKSPACE=str(Path(args.workspace).resolve()))
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = b.new_page(viewport={"width": args.width, "height": 768})
            page.goto(url)
            # Until app.py runs, Streamlit lists pages/ by file name; wait for the real navigation.
            page.get_by_test_id("stSidebarNav").get_by_text("首页", exact=True).wait_for(timeout=30_000)
            titles = args.pages or [a.inner_text().strip().splitlines()[-1] for a in
                                    page.get_by_test_id("stSidebarNav").locator("a").all()]
            for i, title in enumerate(titles):
                page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
                time.sleep(1.0)
                page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
                time.sleep(1.5)
                path = out / f"{i:02d}_{title}.png"
                # Streamlit scrolls inside its own container: grow the viewport to show it all.
                height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
                                       "section.main')].map(e => e.scrollHeight), 768)")
                page.set_viewport_size({"width": args.width, "height": int(height)})
                time.sleep(0.8)
                page.screenshot(path=str(path), full_page=True)
                page.set_viewport_size({"width": args.width, "height": 768})
                print(path)
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
