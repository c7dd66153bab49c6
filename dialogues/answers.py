"""Questions and answers: where the family lives (asked once), the best service item for the
question from the knowledge base with its source, related topics, and never a guess."""

from __future__ import annotations

from core.message import Button
from dialogues import text as texts
from dialogues.effect import RecordGap
from dialogues.menu import human_button, menu
from dialogues.payload import PendingReply, ShowTopic, StartFlow, render
from dialogues.slot import find_places
from dialogues.state import Pending, Place, State
from dialogues.steps import reprompt
from dialogues.turn import Turn
from knowledge.answer import make_answer, render_answer, service_texts
from knowledge.index import Hit
from nlu.result import Parse


def topic_label(turn: Turn, topic: str) -> str:
    return service_texts(turn.services.kb, turn.services.topic_titles[topic], turn.t)[0]


def remember_place(turn: Turn, kind: str, place_id: str, role: str) -> None:
    place = turn.services.lexicon.place_by_id.get((kind, place_id))
    if place is None:
        return
    target = Place(
        province=place.province, city=place.city, district=place.id if place.kind == "district" else None
    )
    if role == "hukou":
        turn.state.hukou = target
    else:
        turn.state.residence = target


def places_from(turn: Turn, parse: Parse | None, text: str) -> None:
    """Remember the places a message names: where the family lives, and their hukou place."""
    lexicon = turn.services.lexicon
    entities = [
        entity
        for entity in (parse.entities if parse else ())
        if entity.name in {"province", "city", "district"}
    ]
    if entities:
        order = {"district": 0, "city": 1, "province": 2}
        for role in ("residence", "hukou"):
            mine = [entity for entity in entities if (entity.role or "residence") == role]
            mine.sort(key=lambda entity: order[entity.name])
            for entity in mine:
                if (entity.name, str(entity.value)) in lexicon.place_by_id:
                    if role == "residence" and turn.state.residence.known() and entity.role is None:
                        break
                    remember_place(turn, entity.name, str(entity.value), role)
                    break
        return
    if not turn.state.residence.known():
        places = find_places(lexicon, turn.services.tokenizer.normalize(text))
        if places:
            remember_place(turn, places[0].kind, places[0].id, "residence")


def _age_for(turn: Turn, parse: Parse | None) -> float | None:
    for entity in parse.entities if parse else ():
        if entity.name == "age" and isinstance(entity.value, (int, float)):
            return float(entity.value)
    child = turn.state.active_child()
    return child.age_on(turn.today) if child else None


def ask_place(turn: Turn, question: str) -> None:
    t = turn.t
    state = turn.state
    state.place_asked = True
    state.pending = Pending(kind="place", data={"question": question[:500]})
    turn.say(
        t.gettext("各地的规定不一样。你们现在住在哪个城市？（比如：厦门、福州、海口、三亚）"),
        tuple(
            Button(t.content(name), render(PendingReply("place", name)))
            for name in turn.services.rules.place_buttons
        ),
    )


def answer_question(
    turn: Turn, text: str, parse: Parse | None, *, topic: str | None = None, place_declined: bool = False
) -> None:
    t = turn.t
    state = turn.state
    services = turn.services
    places_from(turn, parse, text)
    if parse is not None and topic is None and not turn.confident(parse.confidence):
        unsure(turn, text, parse)  # never guess (the index finds something for any vague question)
        return
    if not state.residence.known() and not place_declined and not state.pending and not state.place_asked:
        ask_place(turn, text)
        return
    age = _age_for(turn, parse)
    confident_topic = parse.topic if parse and turn.confident(parse.confidence) else None
    hits = services.index.search(
        text, province=state.residence.province, city=state.residence.city, age=age, limit=3
    )
    chosen = choose(turn, hits, topic or confident_topic, state, age)
    if chosen is None:
        turn.effects.append(RecordGap(text[:500], state.residence.province, state.residence.city))
        turn.say(
            t.gettext(
                "这个问题我的资料里还没有答案，我不想乱说。"
                "可以请社工帮你问清楚，或拨打当地政务服务热线 12345。"
            ),
            (human_button(turn),),
        )
        return
    related = [hit for hit in hits if hit.item.topic != chosen.item.topic][:2]
    say_answer(turn, chosen, related)


def choose(turn: Turn, hits: list[Hit], topic: str | None, state: State, age: float | None) -> Hit | None:
    """The hit on the wanted topic; else the best item of that topic for the family's place and age."""
    if topic is None:
        return hits[0] if hits else None
    for hit in hits:
        if hit.item.topic == topic:
            return hit
    candidates = [
        item
        for item in turn.services.kb.for_place(state.residence.province, state.residence.city)
        if item.topic == topic
    ]
    if not candidates:
        return hits[0] if hits else None
    fitting = [item for item in candidates if age is None or item.service.audience.includes_age(age)]
    return Hit((fitting or candidates)[0], 0.0)


def answer_topic(turn: Turn, topic: str) -> None:
    child = turn.state.active_child()
    age = child.age_on(turn.today) if child else None
    chosen = choose(turn, [], topic, turn.state, age)
    if chosen is None:
        reprompt(turn)
        return
    say_answer(turn, chosen, [])


def say_answer(turn: Turn, hit: Hit, related: list[Hit]) -> None:
    t = turn.t
    state = turn.state
    kb = turn.services.kb
    explained = set(state.explained)
    text = render_answer(make_answer(kb, hit, t), t, explained=explained)
    state.explained = sorted(explained)
    if not state.residence.known():
        text += "\n" + t.gettext("各地规定不一样。告诉我你们现在住在哪个城市，我能说得更准。")
    buttons: list[Button] = []
    flow = turn.services.flows.for_topic(hit.item.topic)
    if flow is not None:
        buttons.append(Button(t.gettext("一步步教我办"), render(StartFlow(flow.id))))
    buttons += [
        Button(service_texts(kb, other.item.id, t)[0], render(ShowTopic(other.item.topic)))
        for other in related
    ]
    buttons.append(human_button(turn))
    turn.say(text, tuple(buttons))


def how(turn: Turn, service_id: str) -> None:
    say_answer(turn, Hit(turn.services.kb.by_id[service_id], 0.0), [])


def unsure(turn: Turn, text: str, parse: Parse) -> None:
    """Below the confidence threshold: never guess; offer the closest topics and a person."""
    t = turn.t
    candidates: list[str] = [topic for topic, _ in parse.topic_ranking[:3]]
    residence = turn.state.residence
    for hit in turn.services.index.search(text, province=residence.province, city=residence.city, limit=3):
        if hit.item.topic not in candidates:
            candidates.append(hit.item.topic)
    buttons = [
        Button(topic_label(turn, topic), render(ShowTopic(topic)))
        for topic in candidates[:3]
        if topic in turn.services.topic_titles
    ]
    flow = turn.services.flows.for_intent(parse.intent)
    if flow is not None:  # the closest guess was a request to be walked through: offer that first
        buttons.insert(0, Button(t.gettext(flow.title), render(StartFlow(flow.id))))
    buttons.append(human_button(turn))
    if len(buttons) > 1:
        turn.say(t.gettext("我不太确定你问的是哪一项。是下面这些吗？也可以找社工。"), tuple(buttons))
    else:
        turn.say(t.gettext("我没太明白。") + "\n" + texts.capabilities(t), menu(turn))
