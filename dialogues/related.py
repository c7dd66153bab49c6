"""The related topics offered after an answer (or when the question was unclear): those a parent
looks for next, never an alarming one unless the message is about it (dialogues/data/rules.yaml,
related_topics).

After an answer on a topic, in this order, up to `limit`:
1. an alarming topic the understanding also ranked, when the message is about it (a message about
   abuse still gets mandatory reporting offered);
2. what a parent looks for next after the answered topic (`next`);
3. the understanding's other topics, alarming ones left out (when the list above has too few)."""

from __future__ import annotations

from collections.abc import Iterable

from dialogues.rules import RelatedTopics
from nlu.result import Parse


def asked_about(related: RelatedTopics, topic: str, normalized: str, parse: Parse | None) -> bool:
    """Whether the message is about `topic`: a topic that alarms nobody always is; an alarming one
    when the classifier says so or the message has one of its words."""
    words = related.only_when_asked.get(topic)
    if words is None:
        return True
    if parse is not None and parse.topic == topic:
        return True
    return any(word in normalized for word in words)


def offered(
    related: RelatedTopics,
    normalized: str,
    parse: Parse | None,
    candidates: Iterable[str],
) -> list[str]:
    """The candidate topics that may be offered for this message, in their order."""
    return [topic for topic in dict.fromkeys(candidates) if asked_about(related, topic, normalized, parse)]


def related_topics(
    related: RelatedTopics,
    answered: str,
    ranked: Iterable[str],
    normalized: str,
    parse: Parse | None,
    limit: int = 2,
) -> list[str]:
    """The topics offered after an answer on `answered` (see the module's docstring)."""
    others = [topic for topic in ranked if topic != answered]
    alarming = [topic for topic in others if topic in related.only_when_asked]
    first = offered(related, normalized, parse, alarming)
    rest = offered(related, normalized, parse, [*related.next.get(answered, ()), *others])
    chosen = [topic for topic in dict.fromkeys([*first, *rest]) if topic != answered]
    return chosen[:limit]
