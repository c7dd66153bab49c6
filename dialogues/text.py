"""Fixed texts of the engine that are longer than a line (all through the catalogs)."""

from __future__ import annotations

from core.i18n import Translator

# The languages a parent can choose, each named in itself.
LANGUAGES = (("zh_Hans", "简体中文"), ("zh_Hant", "繁體中文"), ("en", "English"))


def capabilities(t: Translator) -> str:
    return t.gettext(
        "我能帮你：\n"
        "• 问孩子在这边能享受的服务（上学、幼儿园、打疫苗、医保、住房、补助、心理健康……），我会说明出处；\n"
        "• 一步步办居住证、孩子的医保、上学报名，最后给你一份清单；\n"
        "• 需要时转给社工。"
    )


def out_of_scope(t: Translator) -> str:
    return t.gettext(
        "抱歉，这个我帮不上忙。我能帮你的是孩子的事：孩子在这边能享受哪些服务（上学、医保、打疫苗、补助……），"
        "一步步办居住证、孩子医保和上学报名，需要时转给社工。\n"
        "其他政府办事的问题（比如你自己的社保、工资、证件），可以打12345政务服务便民热线，"
        "他们会告诉你找哪个部门。"
    )


def consent_request(t: Translator, retention_days: int) -> str:
    return t.gettext(
        "为了给你一份适合孩子的清单，我需要记下孩子的年龄（或出生日期）和你们住的城市，只用来回答你、做清单。\n"
        "这些信息加密保存，直到你发 /forget 删除；聊天记录{days}天后自动删除。你同意吗？",
        days=retention_days,
    )


def handoff_request(t: Translator) -> str:
    return t.gettext(
        "我可以把你转给社工（真人）。转过去以后，社工能看到我们这次的对话，好帮你问清楚。可以吗？"
    )


def handoff_opened(t: Translator) -> str:
    return t.gettext("好的，已经转给社工了。")
