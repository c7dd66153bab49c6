"""Babel extractor for the console's templates (babel.cfg maps bot/server/templates/*.html here):
every `t.gettext("...")` call with a literal string, found in the template's Jinja syntax tree (Jinja's
own extractor reads only bare `gettext(...)` and `_(...)`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from jinja2 import Environment, nodes


def template_messages(source: str) -> Iterator[tuple[int, str]]:
    """(line, message) of each `t.gettext("literal", ...)` in the template."""
    tree = Environment().parse(source)
    for call in tree.find_all(nodes.Call):
        target = call.node
        if (
            isinstance(target, nodes.Getattr)
            and target.attr == "gettext"
            and isinstance(target.node, nodes.Name)
            and target.node.name == "t"
            and call.args
            and isinstance(call.args[0], nodes.Const)
            and isinstance(call.args[0].value, str)
        ):
            yield call.lineno, call.args[0].value


def extract_template(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    for line, message in template_messages(fileobj.read().decode("utf-8")):
        yield line, "gettext", message, []
