"""A reply as Telegram messages: the 4096 limit (in UTF-16 units) on paragraph boundaries, the
keyboard on the last message, a checklist's document as a file."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.server.telegram_render import MAX_TEXT, keyboard, render, split_text, units
from core.message import Button, Reply

paragraph = st.text(
    alphabet=st.sampled_from([*list("孩子上学要带材料居住证，。abc 1"), "\n", "😀", "𠀀"]),
    min_size=0,
    max_size=300,
)


@given(st.lists(paragraph, min_size=1, max_size=40), st.integers(min_value=8, max_value=600))
def test_pieces_fit_the_limit_and_keep_every_character(paragraphs: list[str], limit: int) -> None:
    text = "\n\n".join(paragraphs)
    pieces = split_text(text, limit)
    assert all(0 < units(piece) <= limit for piece in pieces)
    kept = "".join("".join(pieces).split())
    assert kept == "".join(text.split())  # nothing lost but the whitespace between pieces


def test_a_long_reply_is_split_between_paragraphs() -> None:
    first, second = "甲" * 3000, "乙" * 3000
    pieces = split_text(f"{first}\n\n{second}")
    assert pieces == [first, second]


def test_a_paragraph_longer_than_the_limit_is_split_between_lines_then_anywhere() -> None:
    lines = "\n".join("丙" * 1000 for _ in range(6))
    assert [units(piece) for piece in split_text(lines)] == [
        4 * 1000 + 3,
        2 * 1000 + 1,
    ]  # four lines, then two
    assert [units(piece) for piece in split_text("丁" * 9000)] == [MAX_TEXT, MAX_TEXT, 9000 - 2 * MAX_TEXT]


def test_emoji_count_two_units_as_telegram_counts_them() -> None:
    assert all(units(piece) <= MAX_TEXT for piece in split_text("😀" * 3000))
    assert len(split_text("😀" * 3000)) == 2


def test_the_keyboard_goes_on_the_last_piece_with_the_payloads_as_callback_data() -> None:
    reply = Reply("甲" * 5000, (Button("同意", "p:yes"), Button("不同意", "p:no")))
    messages = render(reply)
    assert len(messages) == 2 and messages[0].keyboard is None
    assert messages[1].keyboard is not None
    row = messages[1].keyboard.inline_keyboard[0]
    assert [(key.text, key.callback_data) for key in row] == [("同意", "p:yes"), ("不同意", "p:no")]


def test_long_labels_get_a_row_each() -> None:
    markup = keyboard([Button("看看孩子能享受哪些服务", "a"), Button("办居住证", "b")])
    assert markup is not None and [len(row) for row in markup.inline_keyboard] == [1, 1]


def test_a_checklist_document_comes_last_as_a_file_carrying_the_keyboard() -> None:
    messages = render(Reply("最后一段", (Button("找社工", "h"),), document="【清单】全文"))
    assert [(m.text, m.document) for m in messages] == [("最后一段", None), ("", "【清单】全文")]
    assert messages[0].keyboard is None and messages[1].keyboard is not None
