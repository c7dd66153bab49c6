"""End-to-end fixtures: the Telegram Bot API emulator (telegram-test-api 4.2.1, pinned in
tests/e2e/telegram_emulator/, installed by `make e2e-deps`), started once per test session on a
free port by its launcher (which fixes what the package gets wrong for python-telegram-bot 22)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
