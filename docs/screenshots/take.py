"""Take the README's screenshots of the web app: the worklist, a case page and the public notice board.

    .venv/bin/python docs/screenshots/take.py [--out docs/screenshots]

Builds the demo bureau (as `creditflow init` + `creditflow serve --demo` do) in a temporary folder, serves the
web app on it with uvicorn on a free local port, and photographs three pages at 1366x900 with Playwright driving
Debian's chromium (/usr/bin/chromium; `bash .ci/setup` installs it and fonts-noto-cjk for the Chinese text).
The demo is dated relative to today, so the pictures show today's dates; nothing outside the temporary folder
is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 900}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_services(home: Path):
    os.environ["CREDITFLOW_HOME"] = str(home)
    os.environ.pop("CREDITFLOW_DATABASE_URL", None)
    from workflows.demo import fill_demo
    from workflows.services import Services
    from workflows.settings import load_settings

    svc = Services.from_settings(load_settings(), check_schema=False)
    fill_demo(svc)
    return svc


def shoot(base: str, svc, out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    case = next(c for c in svc.cases.list(kind="objection", state="under_review", mine="zhangmin")
                if c["assignee"] == "zhangmin")
    shots = []
    with sync_playwright() as p:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        context = browser.new_context(base_url=base, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", "zhangmin")
        page.fill("#password", "demo-zhangmin")
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(f"{base}/")
        for name, path in (("worklist", "/"), ("case", f"/cases/{case['id']}")):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            shots.append(out / f"{name}.png")
            page.screenshot(path=shots[-1])
        public = browser.new_context(base_url=base, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        board = public.new_page()  # the public: no login
        board.goto("/public")
        board.wait_for_load_state("networkidle")
        shots.append(out / "public.png")
        board.screenshot(path=shots[-1])
        browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        print(f"take.py: {args.chromium} not found; install Debian's chromium (bash .ci/setup)", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    import uvicorn

    from workflows.web.app import create_app

    home = Path(tempfile.mkdtemp(prefix="creditflow-screenshots-"))
    try:
        svc = demo_services(home)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(svc), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                print("take.py: the web server did not start", file=sys.stderr)
                return 1
            time.sleep(0.05)
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            for shot in shoot(f"http://127.0.0.1:{port}", svc, args.out, args.chromium):
                print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            svc.db.dispose()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
