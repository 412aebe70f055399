"""A live web server on the demo bureau, for the browser and cross-cutting web tests.

`demo_bureau(home)` builds what `creditflow init` + the demo fill + the demo passwords build, in a fresh
folder (its SQLite store under it); `LiveServer` serves `create_app(services)` with uvicorn on a free port
in a thread of the test process, so a test drives it over real HTTP (a browser, or httpx) and checks the
store through the same `Services`. `chromium()` is Debian's browser, or None with the reason it is missing.

Fixtures (import them into the test module: `from web_live import bureau, browser, open_page`), each
module-scoped but `open_page`: `bureau` → (LiveServer, Services) on the module's own demo bureau; `browser`
→ headless chromium (the test is skipped, with the reason, where Debian's chromium is absent); `open_page()`
→ a page in a fresh browser context on the live server, its JavaScript errors in `page.js_errors`.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

DEMO_USERS = ("zhangmin", "liuyang", "wangfang", "zhougang", "zhaolei")
CHROMIUM = "/usr/bin/chromium"


def demo_password(name: str) -> str:
    """The documented demo password of a demo user (README, `creditflow serve --demo`)."""
    return f"demo-{name}"


_TEMPLATE: dict[str, Path] = {}


def demo_bureau(home: Path):
    """Services on a fresh SQLite store under `home`, filled with the demo bureau, every demo user able to log
    in with the demo password. The bureau is built once per test process (the demo fill takes seconds) and
    copied: each caller gets its own store, as `creditflow init` + `creditflow demo` would leave it."""
    from conftest import make_services

    if "db" not in _TEMPLATE:
        _TEMPLATE["db"] = _build_template()
    shutil.copyfile(_TEMPLATE["db"], home / "creditflow.db")
    return make_services(f"sqlite:///{home / 'creditflow.db'}", home, allow_clock_override=False)


def _build_template() -> Path:
    from conftest import make_services
    from workflows.demo import fill_demo

    folder = Path(tempfile.mkdtemp(prefix="creditflow-demo-bureau-"))
    atexit.register(shutil.rmtree, folder, True)
    svc = make_services(f"sqlite:///{folder / 'creditflow.db'}", folder, allow_clock_override=False)
    fill_demo(svc)
    for name in DEMO_USERS:  # the demo fill documents these; set them where this build of it does not
        if svc.accounts.authenticate(name, demo_password(name)) is None:
            svc.accounts.set_password(name, demo_password(name))
    svc.db.dispose()  # every connection closed: the WAL is checkpointed into the one file copied
    return folder / "creditflow.db"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1 in a daemon thread; `url` is its base address."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn:{self.port}", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def chromium() -> tuple[str | None, str]:
    """(path to Debian's chromium, "") or (None, why the browser tests cannot run here)."""
    path = os.environ.get("CREDITFLOW_TEST_CHROMIUM", CHROMIUM)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if found is None:
            return None, (f"Debian's chromium is not installed ({path} missing): `bash .ci/setup` installs it "
                          "(apt-get install chromium)")
        path = found
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None, "Playwright for Python is not installed: `pip install -e '.[test]'` (bash .ci/setup)"
    return path, ""


def launch_args() -> list[str]:
    """Chromium refuses to run as root without --no-sandbox (CI here runs as root)."""
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


TIMEOUT_MS = 30_000  # a page on a loaded CI machine; a missing element fails after this


@pytest.fixture(scope="module")
def bureau(tmp_path_factory):
    """(live server, services) on this module's own copy of the demo bureau."""
    from workflows.web.app import create_app

    svc = demo_bureau(tmp_path_factory.mktemp("bureau"))
    with LiveServer(create_app(svc)) as live:
        yield live, svc
    svc.db.dispose()


@pytest.fixture(scope="module")
def browser():
    path, why = chromium()
    if path is None:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=launch_args())
        yield b
        b.close()


@pytest.fixture
def open_page(browser, bureau):
    """open_page(): a page in a fresh browser context (its own cookies) on the live server."""
    live, _ = bureau
    contexts = []

    def make():
        context = browser.new_context(base_url=live.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1366, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield make
    for c in contexts:
        c.close()


def log_in(page, name: str, then: str = "/") -> None:
    """Log in through the form at /login, as a person does, and land on `then`."""
    page.goto(f"/login?next={then}")
    page.fill("#username", name)
    page.fill("#password", demo_password(name))
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"**{then}")
    assert page.locator("form[action='/logout']").count() == 1  # the nav offers logout: the session is on


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page carries a form with its csrf_token"
    return found.group(1)


def http_client(live: LiveServer, name: str | None = None):
    """An httpx client on the live server (redirects not followed); logged in as `name` through the login form
    when given. `client.csrf` is the session's token (the hidden field of its forms)."""
    import httpx

    client = httpx.Client(base_url=live.url, follow_redirects=False, timeout=60)
    client.csrf = form_token(client.get("/login").text)
    if name is not None:
        r = client.post("/login", data={"username": name, "password": demo_password(name), "csrf_token": client.csrf})
        assert r.status_code == 303, r.text
        client.csrf = client.get("/api/session").json()["csrf_token"]
    return client
