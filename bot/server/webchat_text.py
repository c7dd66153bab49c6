"""The web chat page's own words (everything the page says that is not a reply of the assistant),
in Simplified Chinese, through the Babel catalogs like every user-facing string. The page gets them
rendered into its HTML and as JSON when the parent switches the language."""

from __future__ import annotations

from core.i18n import N_, Translator
from dialogues.text import LANGUAGES

MAX_CHARS = 4000  # the longest message the page sends (the API refuses longer ones)

PAGE_TEXT: dict[str, str] = {
    "title": N_("同行 · 给流动儿童家庭的助手"),
    "heading": N_("同行"),
    "tagline": N_("孩子在新城市能享受什么、怎么办，问我就行"),
    "welcome": N_("你好！我是同行。你可以直接打字问我，比如“孩子上学要什么材料”，也可以点下面的按钮。"),
    "start_checkup": N_("看看孩子能享受什么"),
    "start_help": N_("我能帮你做什么"),
    "start_human": N_("找社工"),
    "language": N_("语言"),
    "input_label": N_("写下你的问题"),
    "placeholder": N_("在这里打字…"),
    "send": N_("发送"),
    "sending": N_("正在发送…"),
    "you": N_("你说"),
    "assistant": N_("同行说"),
    "conversation": N_("对话"),
    "offline": N_("连不上服务器，请检查网络后再试"),
    "retry": N_("重试"),
    "checklist": N_("清单"),
    "copy": N_("复制清单"),
    "copied": N_("已复制"),
    "copy_failed": N_("没能复制，请长按清单文字自己复制"),
    "save": N_("保存为文件"),
    "checklist_file": N_("同行清单.txt"),
    "privacy": N_("不用注册。这个页面用一个 Cookie 记住我们的对话；发 /forget 可以删除你的所有信息。"),
    "error_empty": N_("消息是空的，请写点什么再发送。"),
    "error_too_long": N_("消息太长了，请分几次发，每次不超过{limit}个字。"),
    "error_malformed": N_("请求的格式不对，请刷新页面再试。"),
    "error_failed": N_(
        "出了点问题，这条消息没有处理成功，之前保存的内容都还在。请再发一次，或发 /human 找社工。"
    ),
}


def page_text(t: Translator) -> dict[str, str]:
    """Every string of the page in the translator's language."""
    return {
        key: t.gettext(message, limit=MAX_CHARS) if "{limit}" in message else t.gettext(message)
        for key, message in PAGE_TEXT.items()
    }


def languages() -> list[dict[str, str]]:
    """The languages a parent can choose, each named in itself."""
    return [{"locale": locale, "label": label} for locale, label in LANGUAGES]
