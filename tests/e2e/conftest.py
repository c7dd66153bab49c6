"""End-to-end fixtures: the real server under uvicorn on a free loopback port, started once per test
session in a background thread over a fresh SQLite database, and a real browser (Debian's chromium
driven by Playwright's sync API; `make e2e-deps` installs it, never `playwright install`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bot.app import App, build_app
from bot.server import webchat
from bot.server.app import create_server
from core.clock import FixedClock
from core.settings import Settings
from tests.conftest import TODAY, migrate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """The app under uvicorn in a thread; `url` is where a browser reaches it."""

    def __init__(self, application: App) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        server_app = create_server(application, channels=[webchat.channel(application)])
        config = uvicorn.Config(server_app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web chat server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture(scope="session")
def live_server(base_app: App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = migrate(f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'tongxing.db'}")
    settings = Settings(data_dir=base_app.settings.data_dir, database_url=url)
    application = build_app(settings, FixedClock(TODAY), shared=base_app)
    server = LiveServer(application)
    server.start()
    yield server
    server.stop()
    application.close()
