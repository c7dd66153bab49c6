"""Questions and answers: where the family lives (asked once), the best service item for the
question from the knowledge base with its source, related topics, and never a guess."""

from __future__ import annotations

from core.message import Button
from dialogues import text as texts
from dialogues.case_summary import remember_answer, remember_unanswered
from dialogues.effect import RecordGap
from dialogues.feedback import feedback_buttons, should_ask
from dialogues.menu import human_button, menu
from dialogues.payload import AnswerPart, PendingReply, ShowTopic, StartFlow, render
from dialogues.related import offered, related_topics
from dialogues.slot import find_places
from dialogues.state import Pending, Place, State
from dialogues.steps import reprompt
from dialogues.turn import Turn
from dialogues.understanding import Question, Understanding, age_in, best_of_topic, understand
from knowledge.answer import PARTS, Answer, has_part, make_answer, render_brief, render_part, service_texts
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


def _place(state: State) -> tuple[str | None, str | None, str | None]:
    residence = state.residence
    return residence.province, residence.city, residence.district


def _age_for(turn: Turn, parse: Parse | None) -> float | None:
    age = age_in(parse)
    if age is not None:
        return age
    child = turn.state.active_child()
    return child.age_on(turn.today) if child else None


def understanding_for(turn: Turn, text: str, parse: Parse, topic: str | None = None) -> Understanding:
    """The question understood as every path understands it (dialogues/understanding.py), for the
    family's place and the child's age as the conversation knows them."""
    services = turn.services
    residence = turn.state.residence
    question = Question(text, residence.province, residence.city, _age_for(turn, parse))
    return understand(
        services.index,
        services.kb,
        parse,
        question,
        services.threshold,
        services.rules.intent_topics,
        topic=topic,
    )


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
    places_from(turn, parse, text)
    if parse is not None and topic is None and not turn.confident(parse.confidence):
        unsure(turn, text, parse)  # never guess (the index finds something for any vague question)
        return
    if not state.residence.known() and not place_declined and not state.pending and not state.place_asked:
        ask_place(turn, text)
        return
    if parse is None:  # a question asked again after the place: understood as it was the first time
        parse = turn.services.parser.parse(text, turn.today)
    understanding = understanding_for(turn, text, parse, topic)
    outside = outside_place(turn)
    if outside is not None and not _national_answer(turn, understanding, topic):
        turn.effects.append(RecordGap(text[:500], *_place(state)))
        remember_unanswered(state, text)
        turn.noted_question(None)
        turn.say(
            t.gettext(
                "我的资料里没有{place}的地方规定，全国的规定里也没有讲到这件事，我不想乱说。"
                "请打当地的政务服务热线 12345 问清楚，也可以请社工帮你问。",
                place=outside,
            ),
            (human_button(turn),),
        )
        return
    if not understanding.ranking:
        turn.effects.append(RecordGap(text[:500], *_place(state)))
        remember_unanswered(state, text)
        turn.noted_question(None)
        turn.say(
            t.gettext(
                "这个问题我的资料里还没有答案，我不想乱说。"
                "可以请社工帮你问清楚，或拨打当地政务服务热线 12345。"
            ),
            (human_button(turn),),
        )
        return
    chosen = understanding.ranking[0]
    ranked = {ranked.item.topic: ranked.hit for ranked in understanding.ranking}
    say_answer(turn, chosen.hit, related_hits(turn, chosen.item.topic, ranked, text, parse))


def related_hits(
    turn: Turn, answered: str, ranked: dict[str, Hit], text: str, parse: Parse | None
) -> list[Hit]:
    """The items of the topics offered after an answer on `answered` (dialogues/related.py): the
    understanding's item for a topic it ranked, else the topic's best for the place and age."""
    normalized = turn.services.tokenizer.normalize(text)
    topics = related_topics(turn.services.rules.related, answered, ranked, normalized, parse)
    age = _age_for(turn, parse)
    hits = [ranked.get(topic) or choose(turn, topic, turn.state, age) for topic in topics]
    return [hit for hit in hits if hit is not None]


def _national_answer(turn: Turn, understanding: Understanding, topic: str | None) -> bool:
    """Outside the provinces the knowledge base covers only national items apply: the question has an
    answer there when the topic it is about (the conversation's, or the classifier's when confident)
    is the first of the ranking, not a national item of another topic standing in for it."""
    if not understanding.ranking:
        return False
    parse = understanding.parse
    classified = parse.topic or turn.services.rules.intent_topics.get(parse.intent)
    asked = topic or (classified if understanding.confident else None)
    return asked is None or understanding.ranking[0].item.topic == asked


def choose(turn: Turn, topic: str, state: State, age: float | None) -> Hit | None:
    """The best item of the topic for the family's place and the child's age."""
    question = Question("", state.residence.province, state.residence.city, age)
    item = best_of_topic(turn.services.kb, topic, question)
    return Hit(item, 0.0) if item is not None else None


def answer_topic(turn: Turn, topic: str) -> None:
    child = turn.state.active_child()
    age = child.age_on(turn.today) if child else None
    chosen = choose(turn, topic, turn.state, age)
    if chosen is None:
        reprompt(turn)
        return
    say_answer(turn, chosen, related_hits(turn, topic, {}, "", None))


def _part_buttons(turn: Turn, answer: Answer, shown: str | None) -> list[Button]:
    """Buttons for the parts of the answer not on screen, in the order a parent needs them."""
    t = turn.t
    labels = {
        "how": t.gettext("怎么办"),
        "bring": t.gettext("要带什么"),
        "where": t.gettext("去哪里办"),
        "ask": t.gettext("要问清楚的"),
    }
    return [
        Button(labels[part], render(AnswerPart(part, answer.service_id)))
        for part in PARTS
        if part != shown and has_part(answer, part)
    ]


def next_buttons(turn: Turn, answer: Answer, shown: str | None) -> list[Button]:
    buttons = _part_buttons(turn, answer, shown)
    flow = turn.services.flows.for_topic(answer.topic)
    if flow is not None:
        buttons.append(Button(turn.t.gettext("一步步教我办"), render(StartFlow(flow.id))))
    return buttons


def say_answer(turn: Turn, hit: Hit, related: list[Hit]) -> None:
    """The first reply: short (what the child gets, where it is handled, the source); the rest of
    the answer behind buttons, then the guided flow, related topics and a person."""
    t = turn.t
    state = turn.state
    kb = turn.services.kb
    explained = set(state.explained)
    answer = make_answer(kb, hit, t)
    text = render_brief(answer, t, explained=explained)
    state.explained = sorted(explained)
    state.last_service = answer.service_id
    remember_answer(state, answer.service_id)
    state.last_shown = ["brief"]
    buttons = next_buttons(turn, answer, None)
    buttons += [
        Button(service_texts(kb, other.item.id, t)[0], render(ShowTopic(other.item.topic)))
        for other in related
    ]
    turn.noted_service(answer.service_id)
    turn.noted_question(answer.topic)
    if should_ask(turn, answer.topic, "brief"):
        question, rating = feedback_buttons(turn, answer.service_id, answer.topic)
        text, buttons = f"{text}\n{question}", buttons + rating
    else:
        buttons.append(human_button(turn))
    turn.say(text, tuple(buttons))
    if not state.residence.known():  # a message of its own: the answer stays short
        turn.say(t.gettext("各地规定不一样。告诉我你们现在住在哪个城市，我能说得更准。"))
    elif (outside := outside_place(turn)) is not None:
        turn.say(
            t.gettext(
                "我的资料里没有{place}的地方规定，上面说的是全国的规定。"
                "当地的具体做法可能不一样，请打当地的政务服务热线 12345 问清楚。",
                place=outside,
            )
        )


def outside_place(turn: Turn) -> str | None:
    """The name of where the family lives when the knowledge base has no list of its province (广州:
    only the national items apply there), else None."""
    residence = turn.state.residence
    if residence.province is None or residence.province in turn.services.kb.provinces:
        return None
    places = turn.services.lexicon.place_by_id
    for kind, place_id in (("city", residence.city), ("province", residence.province)):
        if place_id and (kind, place_id) in places:
            return turn.t.content(places[(kind, place_id)].name)
    return residence.province


def say_part(turn: Turn, service_id: str, part: str) -> None:
    """One part of a service's answer (a button pressed, or the parent's words after an answer)."""
    state = turn.state
    answer = make_answer(turn.services.kb, Hit(turn.services.kb.by_id[service_id], 0.0), turn.t)
    explained = set(state.explained)
    text = render_part(answer, part, turn.t, explained=explained)
    state.explained = sorted(explained)
    remember_shown(state, service_id, part)
    buttons = next_buttons(turn, answer, part)
    turn.noted_service(service_id)
    if should_ask(turn, answer.topic, "part"):
        question, rating = feedback_buttons(turn, service_id, answer.topic)
        text, buttons = f"{text}\n{question}", buttons + rating
    else:
        buttons.append(human_button(turn))
    turn.say(text, tuple(buttons))


def remember_shown(state: State, service_id: str, key: str) -> None:
    """Remember what of the last answered service is on screen (a part, an aspect, the brief)."""
    if state.last_service != service_id:
        state.last_service, state.last_shown = service_id, []
    if key not in state.last_shown:
        state.last_shown = [*state.last_shown, key]


def how(turn: Turn, service_id: str) -> None:
    say_part(turn, service_id, "how")


def unsure(turn: Turn, text: str, parse: Parse) -> None:
    """Below the confidence threshold: never guess; offer the closest topics and a person."""
    remember_unanswered(turn.state, text)
    t = turn.t
    # the closest topics as every path ranks them; the classifier's own when nothing is retrieved
    candidates = understanding_for(turn, text, parse).topics()
    candidates += [topic for topic, _ in parse.topic_ranking[:3] if topic not in candidates]
    normalized = turn.services.tokenizer.normalize(text)
    candidates = offered(turn.services.rules.related, normalized, parse, candidates)  # nothing alarming
    turn.noted_question(None)
    if parse.intent == "ask_entitlement":  # a question about a service that no item answers surely
        turn.effects.append(RecordGap(text[:500], *_place(turn.state)))
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
