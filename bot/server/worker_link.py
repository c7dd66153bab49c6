"""A worker links their Telegram chat for visit reminders: `/link CODE` (or the deep link's
`/start wk_CODE`) is answered here, by the Telegram channel, before the conversation core sees the
message (a worker's command is not a parent's message). The code comes from the console's visits
page (bot/server/console_keychild.py) and works once, for 15 minutes."""

from __future__ import annotations

import anyio.to_thread

from bot.app import App
from bot.storage.worker_telegram import WorkerTelegramLinks, link_command
from core.message import Reply

__all__ = ["link_command", "link_reply"]


async def link_reply(application: App, chat_id: int, code: str) -> Reply:
    """Link the chat to the worker whose code this is; what to tell the chat."""
    links = WorkerTelegramLinks(application.storage.sessions)
    worker = await anyio.to_thread.run_sync(links.link, code, chat_id, application.clock.now())
    t = application.translator(application.settings.default_locale)
    if worker is None:
        return Reply(
            t.gettext(
                "这个绑定码不对或已经过期。请在社工工作台的“走访提醒”页面重新生成一个，15 分钟内发给我。"
            )
        )
    return Reply(
        t.gettext("绑定好了。重点关爱儿童的联系和走访到期时，我会在这里提醒你。在工作台可以随时解除绑定。")
    )
