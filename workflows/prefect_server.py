"""Prefect's own server as a child process (for `creditflow serve` and the integration test).

The server runs `prefect server start` on its own SQLite database under ``$CREDITFLOW_HOME/prefect/``
(or on PostgreSQL when given a URL), in its own process group so that a Ctrl-C at the terminal reaches
only its parent, which stops the served flows first and then this server (SIGINT, then SIGKILL to the
group after a grace period). On Linux the child also gets SIGTERM if its parent dies without
cleaning up (PR_SET_PDEATHSIG), so a killed `creditflow serve` leaves no server behind.

Nothing here imports Prefect: the server is another program, reached over HTTP.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInput, CreditflowError

DEFAULT_PORT = 4200

# Exec'd as the child: ask the kernel for SIGTERM when the parent dies, then become the server.
_LAUNCHER = (
    "import ctypes, os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)  # stoppable by SIGINT even if started ignoring it\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(0)  # the parent is gone already\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


class PrefectServerError(CreditflowError):
    """The Prefect server could not be started or reached."""

    code = "prefect_server"


def api_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """True when a Prefect API answers its health check at `api_url` (e.g. http://127.0.0.1:4200/api)."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def prefect_command(*args: str) -> list[str]:
    """The `prefect` command line of this interpreter's environment."""
    return [sys.executable, "-m", "prefect", *args]


@dataclass
class PrefectServer:
    """One `prefect server start` child process."""

    home: Path  # PREFECT_HOME of the server: its settings, its SQLite database, server.log
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    database_url: str | None = None  # default: sqlite+aiosqlite:///<home>/prefect.db
    ui: bool = False
    process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _log: object = field(default=None, init=False, repr=False)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def log_path(self) -> Path:
        return Path(self.home) / "server.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def env(self) -> dict[str, str]:
        home = Path(self.home)
        url = self.database_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}"
        return {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "true" if self.ui else "false",
            "DO_NOT_TRACK": "1",
        }

    def start(self, timeout: float = 180.0) -> str:
        """Start the server and wait until its API answers; returns the API URL."""
        if self.process is not None:
            raise PrefectServerError("the Prefect server is started already")
        if not port_free(self.host, self.port):
            raise BadInput(f"port {self.port} on {self.host} is in use; choose another with --port, "
                           "or set PREFECT_API_URL to a Prefect server that is running")
        home = Path(self.home)
        home.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        command = prefect_command("server", "start", "--host", self.host, "--port", str(self.port))
        if sys.platform.startswith("linux"):
            command = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *command]
        self.process = subprocess.Popen(command, env=self.env(), stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, cwd=home, process_group=0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._close()
                raise PrefectServerError(f"the Prefect server exited with code {code} while starting; "
                                         f"its log ({self.log_path}) ends:\n{self.log_tail()}")
            if api_healthy(self.api_url, timeout=1.0):
                return self.api_url
            time.sleep(0.25)
        self.stop()
        raise PrefectServerError(f"the Prefect server did not answer within {timeout:.0f} s; "
                                 f"its log ({self.log_path}) ends:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGINT (Prefect's graceful stop), then SIGKILL to its process group after `timeout` seconds."""
        process = self.process
        if process is None:
            return None
        try:
            if process.poll() is None:
                _signal_group(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    # Still the group's leader (not reaped), so its process group id is still its own.
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait(10)
            return process.returncode
        finally:
            self._close()

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> "PrefectServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
