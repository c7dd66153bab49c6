"""Fixtures shared by the server's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.server.wechat_fake import FakeWeChatApi, fake_wechat_api


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    """WeChat's API (access token, customer-service and subscription messages), served locally."""
    with fake_wechat_api() as api:
        yield api
