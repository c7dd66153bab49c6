"""End-to-end fixtures, each started once per test session: the real server under uvicorn on a free
loopback port in a background thread over a fresh SQLite database, with a real browser (Debian's
chromium driven by Playwright's sync API; `make e2e-deps` installs it, never `playwright install`);
and the Telegram Bot API emulator (telegram-test-api 4.2.1, pinned in tests/e2e/telegram_emulator/,
installed by `make e2e-deps`), started on a free port by its launcher (which fixes what the package
gets wrong for python-telegram-bot 22). The live server also runs the Telegram channel (long polling)
on that emulator, so a parent on Telegram and a worker in the browser meet on one server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from bot.app import App, build_app
from bot.server import console, webchat
from bot.server.app import create_server
from bot.server.channel import Channel
from bot.server.channels import telegram_target
from bot.server.push import PushTargets, StoredReplies
from bot.server.telegram import TelegramChannel, build_bot
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

    def __init__(self, application: App, telegram_settings: Settings | None = None) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        self.application = application
        # the web chat and the worker console; a worker's reply to a web chat parent waits in the outbox
        push = PushTargets()
        storage = application.storage
        outbox = StoredReplies(storage.sessions, storage.cipher, application.clock)
        push.register(webchat.CHANNEL, outbox.target(webchat.CHANNEL))
        channels: list[Channel] = [webchat.channel(application)]
        if telegram_settings is not None:  # parents on Telegram, through the emulator (polling)
            bot = TelegramChannel(application, build_bot(telegram_settings), poll_timeout=2)
            push.register(bot.name, telegram_target(bot))
            channels.append(bot)
        channels.append(console.channel(application, push))
        server_app = create_server(application, channels=channels)
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


LIVE_TELEGRAM_TOKEN = "199999:LIVE"  # the live server's bot on the emulator


@pytest.fixture(scope="session")
def live_server(
    base_app: App, tmp_path_factory: pytest.TempPathFactory, telegram_emulator: str
) -> Iterator[LiveServer]:
    url = migrate(f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'tongxing.db'}")
    settings = Settings(data_dir=base_app.settings.data_dir, database_url=url)
    application = build_app(settings, FixedClock(TODAY), shared=base_app)
    telegram = Settings(telegram_token=LIVE_TELEGRAM_TOKEN, telegram_api_url=telegram_emulator)
    server = LiveServer(application, telegram)
    server.start()
    yield server
    server.stop()
    application.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module, stopped when the module ends: Playwright's sync API keeps an event
    loop in the main thread that would otherwise break asyncio.run in later tests."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e-deps` installs Debian's chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


EMULATOR_DIR = Path(__file__).resolve().parent / "telegram_emulator"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def telegram_emulator() -> Iterator[str]:
    """The emulator's root URL (e.g. http://127.0.0.1:PORT), for the whole session."""
    node = shutil.which("node")
    if node is None or not (EMULATOR_DIR / "node_modules" / "telegram-test-api").is_dir():
        pytest.fail("the Telegram emulator is not installed: run `make e2e-deps` (Node 20 and npm needed)")
    port = free_port()
    process = subprocess.Popen(
        [node, str(EMULATOR_DIR / "launcher.js"), "--port", str(port)],
        cwd=EMULATOR_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/botping:x/getMe", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"the Telegram emulator did not start: {output}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
