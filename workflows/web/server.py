"""Running the web app under uvicorn: in the foreground (`creditflow web`) or in a thread beside the
Prefect-served sweep (`creditflow serve`), stopped cleanly with it."""

from __future__ import annotations

import socket
import threading
import time

from ..errors import CreditflowError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


def check_port_free(host: str, port: int) -> None:
    """Refuses (exit 1, one line) a port another process holds, before anything starts."""
    if not 1 <= port <= 65535:
        raise CreditflowError(f"网页服务端口 {port} 无效：须为 1 至 65535；请换一个端口", code="bad_port")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise CreditflowError(f"网页服务无法在 {host}:{port} 上启动（{exc.strerror or exc}）：该端口已被占用或地址不可用；"
                                  "请换一个端口（creditflow serve 用 --web-port，creditflow web 用 --port），或 serve 加 --no-web 不启动网页服务",
                                  code="port_in_use") from None


def _config(services, host: str, port: int):
    import uvicorn

    from .app import create_app

    # proxy_headers: behind a reverse proxy on this machine, the client's address and https come through
    return uvicorn.Config(create_app(services), host=host, port=port, log_level="warning", proxy_headers=True,
                          forwarded_allow_ips="127.0.0.1", server_header=False)


def run(services, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve in the foreground until Ctrl-C (uvicorn's own signal handling)."""
    import uvicorn

    check_port_free(host, port)
    uvicorn.Server(_config(services, host, port)).run()


class WebThread:
    """The web app in a thread of this process; `stop()` lets uvicorn finish the requests in flight."""

    def __init__(self, services, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.host, self.port = host, port
        self.services = services
        self.server = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60) -> str:
        import uvicorn

        check_port_free(self.host, self.port)
        self.server = uvicorn.Server(_config(self.services, self.host, self.port))
        self.server.install_signal_handlers = lambda: None  # the main thread's handlers stop us (uvicorn < 0.29)
        self.thread = threading.Thread(target=self.server.run, name="creditflow-web", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise CreditflowError(f"网页服务未能在 {self.host}:{self.port} 上启动；请查看上面的输出，"
                                      "或用 --web-port 换一个端口、用 --no-web 不启动网页服务", code="web_not_started")
            time.sleep(0.05)
        return self.url

    def stop(self, timeout: float = 15) -> None:
        if self.server is None or self.thread is None:
            return
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():  # a request that does not finish: drop the connections
            self.server.force_exit = True
            self.thread.join(5)
        self.services.db.dispose()
