"""The conversation engine: (state, inbound turn) -> (replies, effects, new state). No I/O.

Each turn: crisis first; then commands and buttons; then what the assistant is
waiting for (consent, a place, a confirmation); then the active flow's step;
then the intent. Like RapidPro's flow engine, it only decides; bot/ persists
the state and carries the effects out, so the same conversation runs in every
channel and in YAML transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.clock import Clock
from core.i18n import N_, Translator, normalize_locale
from core.lexicon import Lexicon
from core.message import Button, Inbound, Reply
from core.tokenizer import Tokenizer
from dialogues import text as texts
from dialogues.effect import (
    CancelChildPlans,
    DeleteUserData,
    Effect,
    OpenHandoff,
    RecordConsent,
    RecordGap,
    StoreChecklist,
)
from dialogues.flow import Flow, FlowSet, Slot, Step, StepType
from dialogues.runner import build_checklist, next_step, progress
from dialogues.safety import SafetyNet, crisis_replies, load_safety_net
from dialogues.slot import Reading, find_places, read_answer
from dialogues.state import ActiveFlow, Checklist, Child, Pending, Place, State
from knowledge.answer import Answer, make_answer, render_answer, service_texts
from knowledge.catalog import KnowledgeBase
from knowledge.index import Hit, Index
from nlu.result import Parse, Parser

MAX_INPUT = 5000
HANDOFF_REPEAT_DAYS = 3  # a second request within this many days does not open a second ticket
CONFIDENCE_THRESHOLD = 0.5
BEREAVEMENT_FILE = Path(__file__).resolve().parent / "data" / "bereavement.yaml"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
BACK = re.compile(r"^(返回|上一步|上一个|退回|back|previous)$", re.IGNORECASE)
CANCEL = re.compile(r"^(取消|不办了|不弄了|算了|退出|结束|cancel|stop|quit)$", re.IGNORECASE)
CHANGE = re.compile(r"^(修改|改一下|改答案|我要改|改错了|填错了|change)", re.IGNORECASE)
RESUME = re.compile(r"^(继续|接着|接着来|继续办|resume|continue)$", re.IGNORECASE)
CHECKLIST = re.compile(r"(我的清单|看清单|清单在哪|my checklist)", re.IGNORECASE)
SIDE_INTENTS = {
    "ask_entitlement",
    "vaccination_schedule",
    "privacy",
    "request_human",
    "change_language",
    "set_reminder",
    "manage_reminders",
}
LANGUAGES = (("zh_Hans", "简体中文"), ("zh_Hant", "繁體中文"), ("en", "English"))
TOPIC_LABEL_FALLBACK = "相关服务"


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...]
    state: State


@dataclass
class _Turn:
    state: State
    t: Translator
    today: date
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    def say(self, text: str, buttons: tuple[Button, ...] = (), document: str | None = None) -> None:
        self.replies.append(Reply(text, buttons, document))


def load_bereavement(path: Path = BEREAVEMENT_FILE) -> SafetyNet:
    """The words of a reported loss (same format as the safety net: patterns, and `unless` vetoes)."""
    return load_safety_net(path)


class Engine:
    """Decides what to say and do for one turn; holds only read-only collaborators."""

    def __init__(
        self,
        *,
        parser: Parser,
        index: Index,
        kb: KnowledgeBase,
        flows: FlowSet,
        lexicon: Lexicon,
        tokenizer: Tokenizer,
        clock: Clock,
        safety_net: SafetyNet,
        translator: Callable[[str], Translator],
        retention_days: int = 180,
        threshold: float = CONFIDENCE_THRESHOLD,
    ) -> None:
        self.parser = parser
        self.index = index
        self.kb = kb
        self.flows = flows
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.clock = clock
        self.safety_net = safety_net
        self.translator = translator
        self.retention_days = retention_days
        self.threshold = threshold
        self.bereavement = load_bereavement()
        self._topic_titles = self._titles_by_topic()

    def _titles_by_topic(self) -> dict[str, str]:
        """topic -> the service id whose title names the topic on a button (national items first)."""
        titles: dict[str, str] = {}
        for item in self.kb.items:
            if item.layer == "national":
                titles[item.topic] = item.id
            else:
                titles.setdefault(item.topic, item.id)
        return titles

    def _topic_label(self, topic: str, t: Translator) -> str:
        return service_texts(self.kb, self._topic_titles[topic], t)[0]

    # ------------------------------------------------------------------ entry point
    def handle(self, state: State, inbound: Inbound) -> Outcome:
        new_state = state.model_copy(deep=True)
        if new_state.turns == 0 and inbound.locale:
            new_state.locale = normalize_locale(inbound.locale)
        new_state.turns += 1
        turn = _Turn(new_state, self.translator(new_state.locale), self.clock.today())
        text = _CONTROL.sub(" ", inbound.text or "").strip()[:MAX_INPUT]
        if inbound.payload:
            self._on_payload(turn, inbound.payload)
        elif not text:
            self._on_empty(turn)
        else:
            self._on_text(turn, text)
        return Outcome(tuple(turn.replies), tuple(turn.effects), turn.state)

    # ------------------------------------------------------------------ text
    def _on_text(self, turn: _Turn, text: str) -> None:
        normalized = self.tokenizer.normalize(text)
        parse = self.parser.parse(text[:2000], turn.today)
        danger = self.safety_net.matches(normalized)
        # A reported loss is answered gently, not with emergency numbers: the classifier's crisis flag
        # fires on 去世 too, so only the keyword safety net (a danger named in words) goes before it.
        bereaved = not danger and not text.startswith("/") and self.bereavement.matches(normalized)
        if danger or (parse.crisis and not bereaved):
            self._crisis(turn, text)
            return
        if text.startswith("/"):
            self._command(turn, text.split()[0][1:].lower())
            return
        if bereaved:
            self._bereavement(turn)
            return
        if CHECKLIST.search(normalized):
            self._show_checklists(turn)
            return
        pending = turn.state.pending
        if turn.state.flow is None and (pending is None or pending.kind not in {"forget", "place"}):
            # "取消" / "返回" with no flow running: say so, rather than reading the word as a question
            # (a /forget confirmation and the city question read these words themselves)
            if CANCEL.match(text.strip()):
                self._cancel_flow(turn)
                return
            if BACK.match(text.strip()):
                self._back(turn)
                return
        if turn.state.pending is not None and self._on_pending(turn, text, parse):
            return
        if turn.state.flow is not None:
            self._in_flow(turn, text, parse)
            return
        self._intent(turn, text, parse)

    def _on_empty(self, turn: _Turn) -> None:
        t = turn.t
        turn.say(t.gettext("我现在只能看懂文字。请用一句话告诉我你想问什么，比如“孩子上学要什么材料”。"))
        self._reprompt(turn)

    # ------------------------------------------------------------------ safety
    def _crisis(self, turn: _Turn, text: str) -> None:
        state = turn.state
        for reply in crisis_replies(turn.t, in_flow=state.flow is not None):
            turn.replies.append(reply)
        state.pending = None
        state.handoff_open = True
        state.handoff_opened_on = turn.today
        turn.effects.append(
            OpenHandoff(
                reason="crisis",
                urgency="urgent",
                summary=text[:300],
                province=state.residence.province,
                city=state.residence.city,
                district=state.residence.district,
            )
        )

    def _bereavement(self, turn: _Turn) -> None:
        t = turn.t
        state = turn.state
        living = [child for child in state.children if child.active]
        for child in living if len(living) <= 1 else living[-1:]:
            child.active = False
            turn.effects.append(CancelChildPlans(child.id))
        state.flow = None
        state.pending = None
        turn.say(t.gettext("听到这个消息，我真的很难过。请节哀，照顾好自己。"))
        turn.say(
            t.gettext(
                "为孩子安排的提醒和清单我已经全部停下，不会再给你发关于孩子的消息。"
                "如果想找人说说话，可以发 /human 找社工，或拨打 12355。"
            ),
            (Button(t.gettext("找社工"), "human"),),
        )

    # ------------------------------------------------------------------ commands and buttons
    def _command(self, turn: _Turn, name: str) -> None:
        t = turn.t
        handlers: dict[str, Callable[[_Turn], None]] = {
            "start": self._greet,
            "help": self._greet,
            "menu": self._greet,
            "human": self._ask_handoff,
            "mydata": self._my_data,
            "forget": self._ask_forget,
            "lang": self._ask_language,
            "language": self._ask_language,
            "cancel": self._cancel_flow,
            "back": self._back,
            "resume": self._reprompt,
            "checklist": self._show_checklists,
        }
        if name in handlers:
            handlers[name](turn)
            return
        flow = next((flow for flow in self.flows.flows.values() if flow.command == f"/{name}"), None)
        if flow is not None:
            self._start_flow(turn, flow)
            return
        turn.say(
            t.gettext(
                "没有这个命令。可以用：/help 帮助，/checkup 看孩子能享受什么，/checklist 我的清单，"
                "/human 转人工，/mydata 我的信息，/forget 删除我的信息，/lang 换语言。"
            )
        )
        self._reprompt(turn)

    def _on_payload(self, turn: _Turn, payload: str) -> None:
        kind, _, rest = payload.partition(":")
        state = turn.state
        if kind == "answer":
            flow_id, _, remainder = rest.partition(":")
            step_id, _, value = remainder.partition(":")
            if state.flow is None or state.flow.flow_id != flow_id or state.flow.step_id != step_id:
                self._stale(turn)
                return
            flow = self.flows.flows[flow_id]
            step = next(step for step in flow.steps if step.id == step_id)
            allowed = {choice.value for choice in step.choices}
            if step.type == StepType.yes_no:
                allowed |= {"yes", "no"}
            if value not in allowed:
                self._stale(turn)
                return
            self._accept(turn, flow, step, Reading(value))
        elif kind == "nav":
            {
                "back": self._back,
                "cancel": self._cancel_flow,
                "resume": self._reprompt,
                "change": self._ask_change,
            }.get(rest, self._stale)(turn)
        elif kind == "change":
            self._change(turn, rest)
        elif kind == "flow" and rest in self.flows.flows:
            self._start_flow(turn, self.flows.flows[rest])
        elif kind == "topic" and rest in self._topic_titles:
            self._answer_topic(turn, rest)
        elif kind == "how" and rest in self.kb.by_id:
            self._how(turn, rest)
        elif (
            kind in {"consent", "forget", "handoff", "language", "place"}
            and state.pending
            and state.pending.kind == kind
        ):
            self._on_pending(turn, rest, None)
        elif kind == "cmd":
            self._command(turn, rest)
        elif kind == "human":
            self._ask_handoff(turn)
        elif kind == "checkup":
            self._command(turn, "checkup")
        else:
            self._stale(turn)

    def _stale(self, turn: _Turn) -> None:
        turn.say(turn.t.gettext("这个按钮已经过期了。我们接着现在的来。"))
        self._reprompt(turn)

    def _reprompt(self, turn: _Turn) -> None:
        """Say again what the assistant is waiting for (the flow step, or the menu)."""
        state = turn.state
        if state.flow is not None:
            flow = self.flows.flows.get(state.flow.flow_id)
            step = self._current_step(flow, state) if flow else None
            if flow is not None and step is not None:
                self._ask_step(turn, flow, step)
                return
            state.flow = None
        if state.pending is not None and state.pending.kind == "forget":
            self._ask_forget(turn)
            return
        turn.say(turn.t.gettext("还有什么想问的？"), self._menu(turn.t))

    # ------------------------------------------------------------------ pending questions
    def _on_pending(self, turn: _Turn, text: str, parse: Parse | None) -> bool:
        """Handle the answer to what the assistant asked; False if the text is about something else."""
        state = turn.state
        pending = state.pending
        assert pending is not None
        t = turn.t
        yes_no = read_answer(_YES_NO, text, parse, self.lexicon, self.tokenizer, turn.today)
        if pending.kind == "consent":
            if not yes_no.ok:
                return self._pending_not_answered(turn, parse)
            granted = yes_no.value == "yes"
            state.consent["child_profile"] = granted
            turn.effects.append(RecordConsent("child_profile", granted))
            state.pending = None
            flow = self.flows.flows.get(str(pending.data.get("flow")))
            if granted and flow is not None:
                turn.say(t.gettext("谢谢。我们开始吧。"))
                self._begin(turn, flow)
            else:
                turn.say(
                    t.gettext("好的，我不保存孩子的任何信息。你仍然可以直接问我问题，我会按一般规定回答。")
                )
                if flow is not None:
                    self._answer_topic(turn, flow.topic)
            return True
        if pending.kind == "forget":
            state.pending = None
            if yes_no.ok and yes_no.value == "yes":
                locale = state.locale
                turn.state = State(locale=locale, turns=state.turns)
                turn.effects.append(DeleteUserData())
                turn.say(t.gettext("已经删除了你在这里的全部信息：聊天记录、孩子的信息、清单和提醒。"))
            else:
                turn.say(t.gettext("好的，什么都没删。"))
            return True
        if pending.kind == "handoff":
            if not yes_no.ok:
                return self._pending_not_answered(turn, parse)
            state.pending = None
            granted = yes_no.value == "yes"
            state.consent["handoff"] = granted
            turn.effects.append(RecordConsent("handoff", granted))
            if granted:
                self._open_handoff(turn, str(pending.data.get("reason", "requested")))
            else:
                turn.say(t.gettext("好的，不转。你也可以拨打当地政务服务热线 12345。"))
            return True
        if pending.kind == "language":
            state.pending = None
            chosen = _language_from(text)
            if chosen is None:
                return False
            self._set_language(turn, chosen)
            return True
        if pending.kind == "place":
            state.pending = None
            places = find_places(self.lexicon, self.tokenizer.normalize(text))
            question = str(pending.data.get("question", ""))
            if places:
                self._remember_place(turn, places[0].kind, places[0].id, "residence")
                self._answer_question(turn, question, None)
                return True
            if (
                parse is not None
                and parse.intent not in {"deny", "out_of_scope"}
                and parse.confidence >= self.threshold
            ):
                return False  # a new question instead of a place
            self._answer_question(turn, question, None, place_declined=True)
            return True
        if pending.kind == "change_step":
            state.pending = None
            return False
        state.pending = None
        return False

    def _pending_not_answered(self, turn: _Turn, parse: Parse | None) -> bool:
        """Not a yes or no: a new question is served (the consent is asked again when it is needed);
        only a short unclear reply gets the question again."""
        if parse is not None and (
            len(parse.text.strip()) > 4
            or (parse.intent in SIDE_INTENTS and parse.confidence >= self.threshold)
        ):
            turn.state.pending = None
            return False
        turn.say(
            turn.t.gettext("请回答“是”或“不是”，或者点下面的按钮。"),
            _yes_no_buttons(turn.t, turn.state.pending),
        )
        return True

    # ------------------------------------------------------------------ intents
    def _intent(self, turn: _Turn, text: str, parse: Parse) -> None:
        t = turn.t
        confident = parse.confidence >= self.threshold
        intent = parse.intent if confident or parse.intent == "ask_entitlement" else None
        flow = self.flows.for_intent(parse.intent) if intent else None
        if flow is not None:
            self._start_flow(turn, flow)
        elif intent == "ask_entitlement" or (intent is None and parse.topic):
            self._answer_question(turn, text, parse)
        elif intent == "vaccination_schedule":
            self._answer_question(turn, text, parse, topic="child_health_0_6")
        elif intent in {"set_reminder", "manage_reminders"}:
            turn.say(
                t.gettext(
                    "提醒功能还在准备中，暂时不能设置。"
                    "办完居住证、医保或上学的引导后，"
                    "重要日期会写在你的清单里（发 /checklist 查看）。"
                ),
                self._menu(t),
            )
        elif intent == "request_human":
            self._ask_handoff(turn)
        elif intent == "privacy":
            self._privacy(turn)
        elif intent == "change_language":
            locale = _language_from(text)
            if locale is not None:
                self._set_language(turn, locale)
            else:
                self._ask_language(turn)
        elif intent == "greet":
            self._greet(turn)
        elif intent == "thanks":
            turn.say(t.gettext("不客气！还有问题随时问我。"))
        elif intent == "goodbye":
            turn.say(t.gettext("好的，照顾好自己和孩子。有需要随时来找我。"))
        elif intent in {"affirm", "deny"}:
            turn.say(t.gettext("好的。还有什么想问的？"), self._menu(t))
        elif intent == "out_of_scope":
            turn.say(t.gettext("这个我帮不上忙。") + "\n" + texts.capabilities(t), self._menu(t))
        else:
            self._unsure(turn, text, parse)

    def _greet(self, turn: _Turn) -> None:
        t = turn.t
        turn.say(
            t.gettext("你好，我是同行，陪你们一家在新城市办事。") + "\n" + texts.capabilities(t),
            self._menu(t),
        )

    def _menu(self, t: Translator) -> tuple[Button, ...]:
        buttons = [Button(t.gettext(flow.title), f"flow:{flow.id}") for flow in self.flows.flows.values()]
        buttons.append(Button(t.gettext("找社工"), "human"))
        return tuple(buttons)

    def _unsure(self, turn: _Turn, text: str, parse: Parse) -> None:
        """Below the confidence threshold: never guess; offer the closest topics and a person."""
        t = turn.t
        candidates: list[str] = [topic for topic, _ in parse.topic_ranking[:3]]
        residence = turn.state.residence
        for hit in self.index.search(text, province=residence.province, city=residence.city, limit=3):
            if hit.item.topic not in candidates:
                candidates.append(hit.item.topic)
        buttons = [
            Button(self._topic_label(topic, t), f"topic:{topic}")
            for topic in candidates[:3]
            if topic in self._topic_titles
        ]
        buttons.append(Button(t.gettext("找社工"), "human"))
        if len(buttons) > 1:
            turn.say(t.gettext("我不太确定你问的是哪一项。是下面这些吗？也可以找社工。"), tuple(buttons))
        else:
            turn.say(t.gettext("我没太明白。") + "\n" + texts.capabilities(t), self._menu(t))

    # ------------------------------------------------------------------ questions
    def _remember_place(self, turn: _Turn, kind: str, place_id: str, role: str) -> None:
        place = self.lexicon.place_by_id.get((kind, place_id))
        if place is None:
            return
        target = Place(
            province=place.province, city=place.city, district=place.id if place.kind == "district" else None
        )
        if role == "hukou":
            turn.state.hukou = target
        else:
            turn.state.residence = target

    def _places_from(self, turn: _Turn, parse: Parse | None, text: str) -> None:
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
                    if (entity.name, str(entity.value)) in self.lexicon.place_by_id:
                        if role == "residence" and turn.state.residence.known() and entity.role is None:
                            break
                        self._remember_place(turn, entity.name, str(entity.value), role)
                        break
            return
        if not turn.state.residence.known():
            places = find_places(self.lexicon, self.tokenizer.normalize(text))
            if places:
                self._remember_place(turn, places[0].kind, places[0].id, "residence")

    def _age_for(self, turn: _Turn, parse: Parse | None) -> float | None:
        for entity in parse.entities if parse else ():
            if entity.name == "age" and isinstance(entity.value, (int, float)):
                return float(entity.value)
        child = turn.state.active_child()
        return child.age_on(turn.today) if child else None

    def _answer_question(
        self,
        turn: _Turn,
        text: str,
        parse: Parse | None,
        *,
        topic: str | None = None,
        place_declined: bool = False,
    ) -> None:
        t = turn.t
        state = turn.state
        self._places_from(turn, parse, text)
        if parse is not None and topic is None and parse.confidence < self.threshold:
            self._unsure(turn, text, parse)  # never guess (the index finds something for any vague question)
            return
        if not state.residence.known() and not place_declined and not state.pending and not state.place_asked:
            state.place_asked = True
            state.pending = Pending(kind="place", data={"question": text[:500]})
            turn.say(
                t.gettext("各地的规定不一样。你们现在住在哪个城市？（比如：厦门、福州、海口、三亚）"),
                tuple(
                    Button(t.content(name), f"place:{name}")
                    for name in ("厦门", "福州", "泉州", "海口", "三亚")
                ),
            )
            return
        age = self._age_for(turn, parse)
        confident_topic = parse.topic if parse and parse.confidence >= self.threshold else None
        wanted = topic or confident_topic
        hits = self.index.search(
            text, province=state.residence.province, city=state.residence.city, age=age, limit=3
        )
        chosen = self._choose(hits, wanted, state, age)
        if chosen is None:
            turn.effects.append(RecordGap(text[:500], state.residence.province, state.residence.city))
            turn.say(
                t.gettext(
                    "这个问题我的资料里还没有答案，我不想乱说。"
                    "可以请社工帮你问清楚，或拨打当地政务服务热线 12345。"
                ),
                (Button(t.gettext("找社工"), "human"),),
            )
            return
        related = [hit for hit in hits if hit.item.topic != chosen.item.topic][:2]
        self._say_answer(turn, chosen, related)

    def _choose(self, hits: list[Hit], topic: str | None, state: State, age: float | None) -> Hit | None:
        if topic is None:
            return hits[0] if hits else None
        for hit in hits:
            if hit.item.topic == topic:
                return hit
        candidates = [
            item
            for item in self.kb.for_place(state.residence.province, state.residence.city)
            if item.topic == topic
        ]
        if not candidates:
            return hits[0] if hits else None
        fitting = [item for item in candidates if age is None or item.service.audience.includes_age(age)]
        best = (fitting or candidates)[0]
        return Hit(best, 0.0)

    def _answer_topic(self, turn: _Turn, topic: str) -> None:
        state = turn.state
        child = state.active_child()
        age = child.age_on(turn.today) if child else None
        chosen = self._choose([], topic, state, age)
        if chosen is None:
            self._reprompt(turn)
            return
        self._say_answer(turn, chosen, [])

    def _say_answer(self, turn: _Turn, hit: Hit, related: list[Hit]) -> None:
        t = turn.t
        state = turn.state
        answer: Answer = make_answer(self.kb, hit, t)
        explained = set(state.explained)
        text = render_answer(answer, t, explained=explained)
        state.explained = sorted(explained)
        if not state.residence.known():
            text += "\n" + t.gettext("各地规定不一样。告诉我你们现在住在哪个城市，我能说得更准。")
        buttons: list[Button] = []
        flow = next(
            (
                flow
                for flow in self.flows.flows.values()
                if flow.intent and hit.item.topic in (flow.topic, *flow.also_topics)
            ),
            None,
        )
        if flow is not None:
            buttons.append(Button(t.gettext("一步步教我办"), f"flow:{flow.id}"))
        buttons += [
            Button(service_texts(self.kb, other.item.id, t)[0], f"topic:{other.item.topic}")
            for other in related
        ]
        buttons.append(Button(t.gettext("找社工"), "human"))
        turn.say(text, tuple(buttons))

    def _how(self, turn: _Turn, service_id: str) -> None:
        item = self.kb.by_id[service_id]
        self._say_answer(turn, Hit(item, 0.0), [])

    # ------------------------------------------------------------------ flows
    def _start_flow(self, turn: _Turn, flow: Flow) -> None:
        state = turn.state
        t = turn.t
        if state.flow is not None and state.flow.flow_id != flow.id:
            current = self.flows.flows.get(state.flow.flow_id)
            state.flow = None
            if current is not None:
                turn.say(
                    t.gettext(
                        "先停下“{current}”，开始“{new}”。",
                        current=t.gettext(current.title),
                        new=t.gettext(flow.title),
                    )
                )
        if flow.consent and not state.consent.get(flow.consent):
            state.pending = Pending(kind="consent", data={"flow": flow.id})
            turn.say(
                texts.consent_request(t, self.retention_days),
                (Button(t.gettext("同意"), "consent:yes"), Button(t.gettext("不同意"), "consent:no")),
            )
            return
        self._begin(turn, flow)

    def _begin(self, turn: _Turn, flow: Flow) -> None:
        state = turn.state
        child = state.active_child()
        state.flow = ActiveFlow(flow_id=flow.id, child_id=child.id if child else None)
        turn.say(turn.t.gettext(flow.intro))
        self._advance(turn, flow)

    def _current_step(self, flow: Flow, state: State) -> Step | None:
        if state.flow is None or state.flow.step_id is None:
            return None
        return next((step for step in flow.steps if step.id == state.flow.step_id), None)

    def _advance(self, turn: _Turn, flow: Flow) -> None:
        state = turn.state
        assert state.flow is not None
        step = next_step(flow, state.flow, state, turn.today)
        if step is None:
            self._finish(turn, flow)
            return
        state.flow.step_id = step.id
        self._ask_step(turn, flow, step)

    def _ask_step(self, turn: _Turn, flow: Flow, step: Step) -> None:
        t = turn.t
        state = turn.state
        assert state.flow is not None
        number, total = progress(flow, state.flow, step)
        lines = [t.gettext("第{number}步，共{total}步：", number=number, total=total) + t.gettext(step.ask)]
        if step.help and step.help not in state.explained:
            lines.append(t.gettext("（{help}）", help=t.gettext(step.help)))
            state.explained = [*state.explained, step.help]
        buttons: list[Button] = []
        if step.type == StepType.choice:
            buttons += [
                Button(t.gettext(choice.label), f"answer:{flow.id}:{step.id}:{choice.value}")
                for choice in step.choices
            ]
        elif step.type == StepType.yes_no:
            buttons += [
                Button(t.gettext("是"), f"answer:{flow.id}:{step.id}:yes"),
                Button(t.gettext("否"), f"answer:{flow.id}:{step.id}:no"),
            ]
        if state.flow.history:
            buttons.append(Button(t.gettext("上一步"), "nav:back"))
            buttons.append(Button(t.gettext("修改答案"), "nav:change"))
        buttons.append(Button(t.gettext("取消"), "nav:cancel"))
        turn.say("\n".join(lines), tuple(buttons))

    def _in_flow(self, turn: _Turn, text: str, parse: Parse) -> None:
        state = turn.state
        assert state.flow is not None
        flow = self.flows.flows.get(state.flow.flow_id)
        step = self._current_step(flow, state) if flow else None
        if flow is None or step is None:
            state.flow = None
            self._intent(turn, text, parse)
            return
        clean = text.strip()
        if BACK.match(clean):
            self._back(turn)
            return
        if CANCEL.match(clean):
            self._cancel_flow(turn)
            return
        if CHANGE.match(clean):
            self._ask_change(turn)
            return
        if RESUME.match(clean):
            self._ask_step(turn, flow, step)
            return
        reading = read_answer(step, text, parse, self.lexicon, self.tokenizer, turn.today)
        if reading.ok:
            self._accept(turn, flow, step, reading)
            return
        if parse.intent in SIDE_INTENTS and parse.confidence >= self.threshold:
            self._intent(turn, text, parse)  # a side question: answer it, then resume at the same step
            if turn.state.flow is not None and turn.state.flow.step_id == step.id and not turn.state.pending:
                turn.say(turn.t.gettext("我们接着刚才的步骤。"))
                self._ask_step(turn, flow, step)
            return
        if (
            parse.intent in {"start_residence_permit", "start_medical_insurance", "start_school_admission"}
            and parse.confidence >= self.threshold
        ):
            other = self.flows.for_intent(parse.intent)
            if other is not None and other.id != flow.id:
                t = turn.t
                turn.say(
                    t.gettext(
                        "你正在办“{current}”。要改成“{new}”吗？",
                        current=t.gettext(flow.title),
                        new=t.gettext(other.title),
                    ),
                    (
                        Button(t.gettext("改办这个"), f"flow:{other.id}"),
                        Button(t.gettext("继续当前"), "nav:resume"),
                    ),
                )
                return
        self._invalid(turn, flow, step, reading)

    def _invalid(self, turn: _Turn, flow: Flow, step: Step, reading: Reading) -> None:
        t = turn.t
        # What was wrong with the answer comes first (2月30日, a date to come, an age of 25); the step's
        # own message only for an answer that was not understood at all.
        if reading.problem == "out_of_range" and step.type == StepType.age:
            message = t.gettext("这个年龄好像不对。这里问的是孩子的年龄（0到17岁），比如“5岁”或“5”。")
        elif reading.problem == "future":
            message = t.gettext("这个日期还没到。请告诉我已经过去的日期，比如 2024年5月6日。")
        elif reading.problem == "past":
            message = t.gettext("这个日期已经过去了，请告诉我以后的日期。")
        elif reading.problem == "bad_date":
            message = t.gettext("这个日期不存在，请再看一下，比如 2024年5月6日。")
        elif step.invalid:
            message = t.gettext(step.invalid)
        elif reading.problem == "out_of_range":
            message = t.gettext("这个数字不在合理范围内，请再看一下。")
        elif step.type in {StepType.choice, StepType.yes_no}:
            message = t.gettext("我没看懂这个回答。请点下面的按钮，或回复按钮前的数字。")
        elif step.type == StepType.place:
            message = t.gettext("我没认出这个地方。请写城市名，比如“厦门”或“海口”。")
        elif step.type == StepType.date:
            message = t.gettext("我没看懂这个日期。请这样写：2024年5月6日。")
        else:
            message = t.gettext("我没看懂这个回答，请换个说法。")
        turn.say(message)
        self._ask_step(turn, flow, step)

    def _accept(self, turn: _Turn, flow: Flow, step: Step, reading: Reading) -> None:
        state = turn.state
        assert state.flow is not None
        value = reading.value.isoformat() if isinstance(reading.value, date) else reading.value
        state.flow.answers[step.id] = value
        state.flow.history.append(step.id)
        self._remember_slot(turn, step, reading)
        self._advance(turn, flow)

    def _remember_slot(self, turn: _Turn, step: Step, reading: Reading) -> None:
        state = turn.state
        if step.slot in {Slot.residence, Slot.hukou} and isinstance(reading.value, dict):
            place = Place(**reading.value)
            if step.slot == Slot.residence:
                state.residence = place
            else:
                state.hukou = place
            return
        if step.slot not in {Slot.child_age, Slot.child_birth_date, Slot.child_stage}:
            return
        if not state.consent.get("child_profile"):
            return  # nothing about a child is kept without the guardian's consent
        assert state.flow is not None
        child = state.active_child()
        if child is None:
            child = Child(id=f"c{len(state.children) + 1}")
            state.children.append(child)
            state.flow.child_id = child.id
        if step.slot == Slot.child_age and isinstance(reading.value, (int, float)):
            child.age, child.age_told_on, child.birth_date = float(reading.value), turn.today, None
        elif step.slot == Slot.child_birth_date and isinstance(reading.value, date):
            child.birth_date = reading.value
        elif step.slot == Slot.child_stage:
            child.stage = str(reading.value)

    def _back(self, turn: _Turn) -> None:
        state = turn.state
        t = turn.t
        if state.flow is None:
            turn.say(t.gettext("现在没有进行中的步骤。"), self._menu(t))
            return
        flow = self.flows.flows[state.flow.flow_id]
        if not state.flow.history:
            turn.say(t.gettext("已经是第一步了。"))
            step = self._current_step(flow, state)
            if step is not None:
                self._ask_step(turn, flow, step)
            return
        # Ask the last answered step again. (Advancing instead would skip a remembered slot such as the
        # city or the child's age at once, so "back" could never reach it.)
        self._change(turn, state.flow.history[-1])

    @staticmethod
    def _rewind(active: ActiveFlow, step_id: str) -> None:
        """Forget the answer to `step_id` and every answer given after it."""
        position = active.history.index(step_id)
        for later in active.history[position:]:
            active.answers.pop(later, None)
        active.history = active.history[:position]
        for key in list(active.answers):
            if key not in active.history:
                active.answers.pop(key)  # known-slot answers are filled in again when the flow advances

    def _ask_change(self, turn: _Turn) -> None:
        state = turn.state
        t = turn.t
        if state.flow is None or not state.flow.history:
            turn.say(t.gettext("还没有可以修改的答案。"))
            self._reprompt(turn)
            return
        flow = self.flows.flows[state.flow.flow_id]
        steps = {step.id: step for step in flow.steps}
        buttons = tuple(
            Button(_short(t.gettext(steps[step_id].ask)), f"change:{step_id}")
            for step_id in state.flow.history
            if step_id in steps
        )
        turn.say(t.gettext("想改哪一个回答？"), (*buttons, Button(t.gettext("继续当前"), "nav:resume")))

    def _change(self, turn: _Turn, step_id: str) -> None:
        state = turn.state
        if state.flow is None or step_id not in state.flow.history:
            self._stale(turn)
            return
        flow = self.flows.flows[state.flow.flow_id]
        step = next(step for step in flow.steps if step.id == step_id)
        self._rewind(state.flow, step_id)  # the remembered slot is kept until the new answer replaces it
        state.flow.step_id = step_id
        self._ask_step(turn, flow, step)

    def _cancel_flow(self, turn: _Turn) -> None:
        state = turn.state
        t = turn.t
        if state.flow is None:
            state.pending = None
            turn.say(t.gettext("好的，已取消。"), self._menu(t))
            return
        flow = self.flows.flows.get(state.flow.flow_id)
        state.flow = None
        title = t.gettext(flow.title) if flow else ""
        turn.say(t.gettext("好的，“{title}”已取消。想再办的时候随时叫我。", title=title), self._menu(t))

    def _finish(self, turn: _Turn, flow: Flow) -> None:
        state = turn.state
        t = turn.t
        assert state.flow is not None
        active = state.flow
        age = active.answers.get("child_age")
        age_value = float(age) if isinstance(age, (int, float)) else None
        residence = active.answers.get("residence")
        province = residence.get("province") if isinstance(residence, dict) else state.residence.province
        city = residence.get("city") if isinstance(residence, dict) else state.residence.city
        checklist = build_checklist(flow, active, self.kb, t, turn.today, province, city, age_value)
        state.flow = None
        if state.consent.get("child_profile"):
            state.checklists[flow.id] = checklist
            turn.effects.append(
                StoreChecklist(
                    flow_id=flow.id,
                    title=checklist.title,
                    lines=tuple(line.model_dump() for line in checklist.lines),
                    dates=tuple(
                        {
                            "id": d.id,
                            "label": d.label,
                            "start": d.start.isoformat(),
                            "end": d.end.isoformat() if d.end else None,
                        }
                        for d in checklist.dates
                    ),
                    child_id=checklist.child_id,
                )
            )
        document = render_checklist(checklist, t)
        summary = t.gettext(
            "你的清单做好了：“{title}”，共{count}条。", title=checklist.title, count=len(checklist.lines)
        )
        if state.consent.get("child_profile"):
            summary += t.gettext("随时发“我的清单”再看。")
        turn.say(summary + "\n\n" + document, (Button(t.gettext("找社工"), "human"),), document=document)

    def _show_checklists(self, turn: _Turn) -> None:
        t = turn.t
        checklists = list(turn.state.checklists.values())
        if not checklists:
            turn.say(
                t.gettext("你还没有清单。办居住证、孩子医保或上学报名的引导走完后，会给你一份清单。"),
                self._menu(t),
            )
            return
        for checklist in checklists:
            document = render_checklist(checklist, t)
            turn.say(document, document=document)

    # ------------------------------------------------------------------ people and privacy
    def _ask_handoff(self, turn: _Turn) -> None:
        state = turn.state
        opened = state.handoff_opened_on
        if state.handoff_open and opened is not None and (turn.today - opened).days < HANDOFF_REPEAT_DAYS:
            turn.say(
                turn.t.gettext(
                    "你的请求已经转给社工了，他们会在这里回复你，不用再发。"
                    "如果情况紧急，请直接打 110 或 120。"
                )
            )
            return
        if state.consent.get("handoff"):
            self._open_handoff(turn, "requested")
            return
        state.pending = Pending(kind="handoff", data={"reason": "requested"})
        t = turn.t
        turn.say(
            texts.handoff_request(t),
            (Button(t.gettext("可以"), "handoff:yes"), Button(t.gettext("不用了"), "handoff:no")),
        )

    def _open_handoff(self, turn: _Turn, reason: str) -> None:
        state = turn.state
        state.handoff_open = True
        state.handoff_opened_on = turn.today
        turn.effects.append(
            OpenHandoff(
                reason=reason,
                urgency="normal",
                summary=reason,
                province=state.residence.province,
                city=state.residence.city,
                district=state.residence.district,
            )
        )
        turn.say(texts.handoff_opened(turn.t))

    def _privacy(self, turn: _Turn) -> None:
        t = turn.t
        turn.say(
            t.gettext(
                "你的信息只用来回答你。孩子的信息要先经过你同意才保存，而且加密保存。"
                "发 /mydata 看我存了什么，发 /forget 全部删除。"
            ),
            (Button(t.gettext("我的信息"), "cmd:mydata"), Button(t.gettext("删除我的信息"), "cmd:forget")),
        )

    def _my_data(self, turn: _Turn) -> None:
        t = turn.t
        state = turn.state
        lines = [t.gettext("我存了这些关于你的信息：")]
        lines.append(t.gettext("• 语言：{locale}", locale=dict(LANGUAGES)[state.locale]))
        lines.append(t.gettext("• 住的地方：{place}", place=self._place_text(state.residence, t)))
        if state.hukou.known():
            lines.append(t.gettext("• 户籍地：{place}", place=self._place_text(state.hukou, t)))
        for child in state.children:
            age = child.age_on(turn.today)
            shown = f"{age:.0f}" if age is not None and abs(age - round(age)) < 0.05 else f"{age:.1f}"
            described = t.gettext("{age}岁", age=shown) if age is not None else t.gettext("年龄未知")
            if child.birth_date:
                described += t.gettext("，生日 {date}", date=t.format_date(child.birth_date))
            if not child.active:
                described += t.gettext("（已停止一切安排）")
            lines.append(t.gettext("• 孩子：{described}", described=described))
        for purpose, granted in sorted(state.consent.items()):
            if purpose in {"child_profile", "reminders", "handoff"}:
                label = {
                    "child_profile": t.gettext("保存孩子信息"),
                    "reminders": t.gettext("提醒"),
                    "handoff": t.gettext("转给社工"),
                }[purpose]
                lines.append(
                    t.gettext(
                        "• 同意{label}：{answer}",
                        label=label,
                        answer=t.gettext("是") if granted else t.gettext("否"),
                    )
                )
        for checklist in state.checklists.values():
            lines.append(
                t.gettext(
                    "• 清单：{title}（{date}）",
                    title=checklist.title,
                    date=t.format_date(checklist.created_at.date()),
                )
            )
        if state.handoff_open:
            lines.append(t.gettext("• 有一个转给社工的请求"))
        lines.append(t.gettext("• 聊天记录：保存{days}天后自动删除", days=self.retention_days))
        lines.append(t.gettext("发 /forget 可以全部删除。"))
        turn.say("\n".join(lines))

    def _place_text(self, place: Place, t: Translator) -> str:
        if not place.known():
            return t.gettext("不知道")
        names = []
        for kind, value in (("province", place.province), ("city", place.city), ("district", place.district)):
            if value and (kind, value) in self.lexicon.place_by_id:
                names.append(self.lexicon.place_by_id[(kind, value)].name)
        return t.content("".join(dict.fromkeys(names)))

    def _ask_forget(self, turn: _Turn) -> None:
        t = turn.t
        turn.state.pending = Pending(kind="forget")
        turn.say(
            t.gettext("要删除你在这里的全部信息吗？包括聊天记录、孩子的信息、清单和提醒。删除后不能恢复。"),
            (Button(t.gettext("确认删除"), "forget:yes"), Button(t.gettext("不删了"), "forget:no")),
        )

    def _ask_language(self, turn: _Turn) -> None:
        turn.state.pending = Pending(kind="language")
        turn.say(
            turn.t.gettext("请选择语言："),
            tuple(Button(label, f"language:{locale}") for locale, label in LANGUAGES),
        )

    def _set_language(self, turn: _Turn, locale: str) -> None:
        turn.state.locale = locale
        turn.t = self.translator(locale)
        turn.say(turn.t.gettext("好的，以后用{language}和你说话。", language=dict(LANGUAGES)[locale]))
        if turn.state.flow is not None:
            self._reprompt(turn)


_YES_NO = Step(id="confirm", type=StepType.yes_no, ask="是或不是")


def _yes_no_buttons(t: Translator, pending: Pending | None) -> tuple[Button, ...]:
    kind = pending.kind if pending else "consent"
    return (Button(t.gettext("是"), f"{kind}:yes"), Button(t.gettext("否"), f"{kind}:no"))


def _language_from(text: str) -> str | None:
    clean = text.strip().lower()
    for locale, label in LANGUAGES:
        if clean in {locale.lower(), label.lower()}:
            return locale
    if any(word in clean for word in ("繁", "traditional", "正體", "正体")):
        return "zh_Hant"
    if any(word in clean for word in ("english", "英文", "英语", "英語")):
        return "en"
    if any(word in clean for word in ("简体", "簡體", "普通话", "中文", "chinese")):
        return "zh_Hans"
    return None


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


SECTION_TITLES = {
    "applies": N_("适合你们的："),
    "bring": N_("要带的材料："),
    "where": N_("去哪里办："),
    "watch": N_("要注意的："),
}


def render_checklist(checklist: Checklist, t: Translator) -> str:
    lines = [t.gettext("【清单】{title}", title=checklist.title)]
    for section in ("applies", "bring", "where", "watch"):
        entries = [line for line in checklist.lines if line.section == section]
        if not entries:
            continue
        lines.append(t.gettext(SECTION_TITLES[section]))
        for entry in entries:
            text = f"• {entry.text}"
            if entry.why:
                text += t.gettext("（{why}）", why=entry.why)
            if entry.source_item:
                text += f"〔{entry.source_item}〕"
            lines.append(text)
    if checklist.dates:
        lines.append(t.gettext("重要日期："))
        for key_date in checklist.dates:
            span = t.format_date(key_date.start)
            if key_date.end:
                span += " - " + t.format_date(key_date.end)
            lines.append(t.gettext("• {label}：{span}", label=key_date.label, span=span))
    sources = list(dict.fromkeys(f"《{line.source}》" for line in checklist.lines if line.source))
    if sources:
        lines.append(t.gettext("来源：{sources}", sources="；".join(sources)))
    return "\n".join(lines)
