"""Take screenshots of the main pages for docs/screenshots/, from a fresh demo database.

    .venv/bin/python scripts/take_screenshots.py [--out docs/screenshots] [--width 1024]

It creates a throwaway SQLite demo (fixed seed and date), serves it on a free loopback port,
signs in as a demo practitioner with Debian's Chromium, and visits each page.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server at {url} did not start.")


def shoot(page: Page, out: Path, name: str, *, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print(f"wrote {out / name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1024)
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/shots.sqlite3",
            "MEANINGFUL_DATA_DIR": folder,
            "MEANINGFUL_REQUIRE_TWO_FACTOR": "false",
        }
        meaningful = [sys.executable, "-m", "meaningful"]
        subprocess.run(
            [
                *meaningful,
                "demo",
                "--no-serve",
                "--people",
                "80",
                "--seed",
                "7",
                "--today",
                "2026-11-26",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [*meaningful, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/sign-in/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=FLAGS
                )
                page = browser.new_page(viewport={"width": options.width, "height": 1100})
                page.goto(f"{base}/sign-in/")
                shoot(page, options.out, "sign-in")
                page.get_by_label("Username").fill("morag.campbell")
                page.get_by_label("Password").fill("meaningful-demo")
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                shoot(page, options.out, "home")
                page.goto(f"{base}/people/?show=overdue&sort=review-due")
                shoot(page, options.out, "caseload")
                page.goto(f"{base}/people/?show=all")
                rows = page.locator("table.app-caseload tbody tr th a")
                person_url = ""
                for index in range(rows.count()):
                    page.goto(f"{base}/people/?show=all")
                    rows.nth(index).click()
                    content = page.content()
                    if (
                        page.locator("section.app-journey").count() >= 3
                        and "Cared for by" not in content
                        and "support ended" not in content
                        and "What is due" in content
                    ):
                        person_url = page.url
                        break
                shoot(page, options.out, "person", full=False)
                page.get_by_role("button", name="Record a conversation").click()
                page.get_by_role("button", name="Continue").click()
                shoot(page, options.out, "choose-outcomes", full=False)
                page.get_by_role("button", name="Continue").click()
                shoot(page, options.out, "record-review", full=False)
                page.goto(f"{person_url}my-plan/")
                shoot(page, options.out, "my-plan", full=False)
                page.set_viewport_size({"width": 375, "height": 740})
                page.goto(person_url)
                shoot(page, options.out, "person-phone", full=False)
                page.set_viewport_size({"width": options.width, "height": 1100})
                page.get_by_role("button", name="Sign out").click()
                page.get_by_label("Username").fill("helen.anderson")  # the demo's analyst
                page.get_by_label("Password").fill("meaningful-demo")
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                page.goto(f"{base}/reports/?period=2025-12..2026-11")
                shoot(page, options.out, "reports", full=False)
                page.locator("#section-2").scroll_into_view_if_needed()
                shoot(page, options.out, "reports-figures", full=False)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
