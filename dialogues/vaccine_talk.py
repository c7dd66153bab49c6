"""Setting up vaccination reminders in a conversation: the consent, the child's birth date (or age),
the doses already given (from the vaccination booklet, 预防接种证, in the parent's words), then the plan
in short and the reminders written (dialogues/vaccine_plan.py).

Consent (the decision): the reminders keep the child's birth date and the doses given, so the parent
is asked once for both purposes in one question that names them (`reminders`, and `child_profile`
when it was not given yet); the state that holds them is encrypted at rest and covered by /mydata and
/forget. An age instead of a date is asked once more as a date ("接种证第一页有"); said again as an
age, the plan is made from the age and says that its dates are estimated. Correcting the birth date or
the doses re-plans: what no longer fits is cancelled, the rest kept (idempotency keys)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.message import Button
from dialogues.dose_reading import given_doses, read_doses
from dialogues.effect import RecordConsent
from dialogues.flow import Step, StepType
from dialogues.heard import facts_in
from dialogues.payload import PendingReply, RunCommand, render
from dialogues.pending import PENDING, _not_answered, _yes_no
from dialogues.reminder_words import reminder_words
from dialogues.state import Child, Pending
from dialogues.turn import Turn
from dialogues.vaccine_plan import child_plan, replan
from nlu.numeral import NUMERAL_CHARS, to_number
from nlu.result import Parse
from reminders.render import CONFIRM, dose_name, render_plan

_BIRTH = Step(id="birth_date", type=StepType.date, ask="出生日期", dates="past")
DOSE_CHOICES = ("all_on_time", "birth_only", "none", "unknown")
_OLDEST = 18  # years: the schedule's catch-up ends there
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_MINGUO_NUMERIC = re.compile(r"(?<!\d)(1\d{2})\s*[/.\-年]\s*(\d{1,2})\s*[/.\-月]\s*(\d{1,2})(?!\d)")
_MONTH_DAY_BARE = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})(?![\d日号个])")
_MONTHS_MORE = re.compile(rf"([{NUMERAL_CHARS}\d]{{1,3}})\s*个多月")
_EN_MONTHS = re.compile(r"\b(\d{1,2})\s*months?\s*old\b")
_DAYS_OLD = re.compile(rf"([{NUMERAL_CHARS}\d]{{1,3}})\s*天(?:了|大)?(?:$|[^前后後])")


def start(turn: Turn) -> None:
    """Set up vaccination reminders: the consent first, then the questions."""
    state = turn.state
    t = turn.t
    if not (state.consent.get("reminders") and state.consent.get("child_profile")):
        state.pending = Pending(kind="reminders_consent")
        turn.say(
            t.gettext(
                "我可以按国家免疫规划，在孩子每次该打疫苗前几天和当天提醒你。为此我要记下孩子的出生日期"
                "和已经打过的疫苗，只用来算日期、发提醒；加密保存，发 /forget 全部删除。你同意吗？"
            ),
            (
                Button(t.gettext("同意"), render(PendingReply("reminders_consent", "yes"))),
                Button(t.gettext("不同意"), render(PendingReply("reminders_consent", "no"))),
            ),
        )
        return
    _child(turn)
    ask_birth(turn)


def _child(turn: Turn) -> Child:
    state = turn.state
    child = state.active_child()
    if child is None or not child.active:
        child = Child(id=f"c{len(state.children) + 1}")
        state.children.append(child)
    return child


def ask_birth(turn: Turn, child: Child | None = None, *, age: float | None = None) -> None:
    """The birth date; after an age was told (`age`), once more, with a button to plan from the age."""
    t = turn.t
    child = child or _child(turn)
    data: dict[str, object] = {"child": child.id}
    if age is not None:
        data["age"] = age
        turn.state.pending = Pending(kind="vaccine_birth", data=data)
        turn.say(
            t.gettext("能告诉我孩子的出生日期吗？接种证或出生证明上有，比如 2024年5月6日。"),
            (Button(t.gettext("记不清，按年龄算"), render(PendingReply("vaccine_birth", "by_age"))),),
        )
        return
    turn.state.pending = Pending(kind="vaccine_birth", data=data)
    turn.say(t.gettext("孩子是哪天出生的？比如 2024年5月6日。（只知道几个月大也可以先说。）"))


def ask_doses(turn: Turn, child: Child) -> None:
    t = turn.t
    turn.state.pending = Pending(kind="vaccine_doses", data={"child": child.id})
    labels = {
        "all_on_time": t.gettext("都按时打了"),
        "birth_only": t.gettext("只打了出生那两针"),
        "none": t.gettext("还没打过"),
        "unknown": t.gettext("记不清"),
    }
    turn.say(
        t.gettext(
            "孩子已经打了哪些疫苗？翻一下预防接种证（接种本），用自己的话说就行，"
            "比如“乙肝打了两针”“都按时打了”。"
        ),
        tuple(Button(labels[value], render(PendingReply("vaccine_doses", value))) for value in DOSE_CHOICES),
    )


@PENDING.register("reminders_consent")
def _consent(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    answer = _yes_no(turn, text, parse)
    if not answer.ok:
        return _not_answered(turn, pending, parse)
    state = turn.state
    state.pending = None
    granted = answer.value == "yes"
    state.consent["reminders"] = granted
    turn.effects.append(RecordConsent("reminders", granted))
    if not granted:
        turn.say(turn.t.gettext("好的，不设提醒，孩子的信息也不保存。想知道什么时候打什么疫苗，随时问我。"))
        return True
    if not state.consent.get("child_profile"):
        state.consent["child_profile"] = True
        turn.effects.append(RecordConsent("child_profile", True))
    turn.say(turn.t.gettext("谢谢。"))
    child = _child(turn)
    if child.birth_date is not None and not child.birth_estimated:
        turn.say(turn.t.gettext("孩子的出生日期我记着：{date}。", date=turn.t.format_date(child.birth_date)))
        ask_doses(turn, child)
    else:
        ask_birth(turn)
    return True


def _written(text: str, today: date) -> date | None:
    """Dates the shared readers leave: "20250211", a Minguo year in numbers ("114/06/18" is 2025),
    a month and day without 日 ("生日是3月14": the last such day)."""
    compact = _COMPACT.search(text)
    minguo = _MINGUO_NUMERIC.search(text)
    month_day = _MONTH_DAY_BARE.search(text)
    try:
        if compact:
            return date(int(compact.group(1)), int(compact.group(2)), int(compact.group(3)))
        if minguo:
            return date(1911 + int(minguo.group(1)), int(minguo.group(2)), int(minguo.group(3)))
        if month_day:
            month, day = int(month_day.group(1)), int(month_day.group(2))
            this_year = date(today.year, month, day)
            return this_year if this_year <= today else date(today.year - 1, month, day)
    except ValueError:
        return None
    return None


def _age_said(text: str) -> float | None:
    """Ages the shared readers leave: "九个多月", "9 months old" (years)."""
    months = _MONTHS_MORE.search(text) or _EN_MONTHS.search(text)
    if months:
        number = to_number(months.group(1))
        return float(number) / 12 if number is not None and number <= 36 else None
    return None


def birth_or_age(turn: Turn, text: str, parse: Parse | None) -> tuple[date | None, float | None]:
    """The birth date the reply gives, or the age it tells (years)."""
    reading = turn.read(_BIRTH, text, parse, labels=False)
    if reading.ok and isinstance(reading.value, date):
        return reading.value, None
    normalized = turn.services.tokenizer.normalize(text)
    written = _written(normalized, turn.today)
    if written is not None and written <= turn.today:
        return written, None
    days = _DAYS_OLD.search(normalized)
    if days and (number := to_number(days.group(1))) is not None and number <= 120:
        return turn.today - timedelta(days=int(number)), None  # "才生了20天": the day itself
    said = _age_said(normalized)
    if said is not None:
        return None, said
    facts = facts_in(normalized, parse, turn.today)
    if isinstance(facts.get("birth_date"), date):
        return facts["birth_date"], None
    age = facts.get("age")
    return None, float(age) if isinstance(age, (int, float)) else None


@PENDING.register("vaccine_birth")
def _birth(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    t = turn.t
    child = next((each for each in turn.state.children if each.id == pending.data.get("child")), None)
    if child is None:
        turn.state.pending = None
        return False
    told = pending.data.get("age")
    born, age = birth_or_age(turn, text, parse)
    if text == "by_age" and isinstance(told, (int, float)):
        born, age = None, float(told)
    elif born is None and age is None:
        unclear = int(pending.data.get("unclear", 0)) + 1
        if unclear > 2 or (
            parse is not None and len(parse.text.strip()) > 12 and turn.confident(parse.confidence)
        ):
            turn.state.pending = None  # something else: answered as such; /reminders sets it up later
            return False
        pending.data["unclear"] = unclear
        turn.say(t.gettext("我没看懂这个日期。请这样写：2024年5月6日。"))
        return True
    if born is not None and (born > turn.today or (turn.today - born).days > 365.25 * _OLDEST):
        turn.say(t.gettext("这个日期好像不对，请再看一下孩子的出生日期，比如 2024年5月6日。"))
        return True
    estimated = False
    if born is None and age is not None:
        if told is None:
            ask_birth(turn, child, age=age)  # an age: the date once more, or plan from the age
            return True
        born, estimated = turn.today - timedelta(days=round(age * 365.25)), True
    assert born is not None
    turn.state.pending = None
    corrected = child.vaccine_reminders
    child.birth_date, child.age, child.age_told_on, child.birth_estimated = born, None, None, estimated
    if estimated:
        turn.say(
            t.gettext("好的，我先按年龄估算出生日期，下面的日期可能差几天。知道准确日期后告诉我，我再改。")
        )
    if corrected:
        turn.say(t.gettext("出生日期改好了：{date}。提醒按新的日期重新排了。", date=t.format_date(born)))
        show_plan(turn, child)
        return True
    ask_doses(turn, child)
    return True


@PENDING.register("vaccine_doses")
def _doses(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    t = turn.t
    child = next((each for each in turn.state.children if each.id == pending.data.get("child")), None)
    if child is None or child.birth_date is None:
        turn.state.pending = None
        return False
    words = reminder_words()
    normalized = turn.services.tokenizer.normalize(text)
    said = read_doses(words, turn.services.lexicon.entity_values.get("vaccine", {}), text, normalized)
    if text in DOSE_CHOICES:
        said = type(said)(text)  # type: ignore[arg-type]
    if not said.understood:
        return _not_answered(turn, pending, parse)  # the choices again, or something else
    turn.state.pending = None
    doses = given_doses(said, words, turn.services.schedule, child.birth_date, turn.today)
    child.doses = {key: None for key in doses}
    child.snoozed = {}
    if said.start == "unknown":
        turn.say(
            t.gettext(
                "没关系。我先按“该打的都按时打了”来排以后的提醒；找到接种证后，说“改打过的疫苗”告诉我。"
            )
        )
    first = not child.vaccine_reminders
    child.vaccine_reminders = True
    if "vaccine" in child.stopped:
        child.stopped = [kind for kind in child.stopped if kind != "vaccine"]
    if not first:
        turn.say(t.gettext("好的，打过的疫苗改好了，提醒重新排了。"))
    show_plan(turn, child)
    return True


def show_plan(turn: Turn, child: Child) -> None:
    """The plan in short (what is overdue, the next doses with their dates), reminders written."""
    t = turn.t
    schedule = turn.services.schedule
    plan = replan(turn, child)
    if plan is None:
        turn.say(
            t.gettext(
                "打过的疫苗里有两种互相替代的疫苗（比如乙脑减毒和灭活），请问一下接种单位接下来打哪种。"
            )
        )
        return
    words = reminder_words()
    lines = []
    overdue = [dose for dose in plan.doses if dose.status in ("overdue", "due")]
    coming = [dose for dose in plan.doses if dose.status in ("upcoming", "catch_up")]
    unverified = False
    if overdue:
        lines.append(t.gettext("现在就可以打（有的已经晚了，请尽快去接种单位补种）："))
        for dose in overdue:
            lines.append("• " + dose_name(schedule, t, dose.vaccine, dose.dose))
            unverified |= not dose.verified
    if coming:
        lines.append(t.gettext("接下来："))
        for dose in coming[: words.shown_doses]:
            line = t.gettext(
                "• {name}：{date}起可以接种",
                name=dose_name(schedule, t, dose.vaccine, dose.dose),
                date=t.format_date(dose.due),
            )
            lines.append(line + ("" if dose.verified else " *"))
            unverified |= not dose.verified
    if not overdue and not coming:
        lines.append(t.gettext("国家免疫规划的疫苗都打完了，没有要提醒的了。"))
    if unverified:
        lines.append(t.gettext("* 这些日期依据的资料还没有核实，{confirm}。", confirm=t.gettext(CONFIRM)))
    if coming and "vaccine" not in turn.state.reminders_paused:
        days = "、".join(str(lead) for lead in words.lead_days)
        lines.append(t.gettext("每一针我会提前{days}天和当天提醒你。发 /reminders 看全部提醒。", days=days))
    turn.say(
        t.gettext("孩子的疫苗计划排好了（按国家免疫规划）：") + "\n" + "\n".join(lines),
        (
            Button(t.gettext("看全部计划"), render(RunCommand("vaccine_plan"))),
            Button(t.gettext("改出生日期"), render(RunCommand("vaccine_birth"))),
            Button(t.gettext("改打过的疫苗"), render(RunCommand("vaccine_doses"))),
        ),
    )


def _vaccine_child(turn: Turn) -> Child | None:
    return next(
        (child for child in reversed(turn.state.children) if child.vaccine_reminders and child.active), None
    )


def show_details(turn: Turn) -> None:
    """The whole plan (done, due, overdue, coming, not caught up), on request."""
    child = _vaccine_child(turn)
    plan = child_plan(turn, child) if child else None
    if plan is None:
        start(turn)
        return
    turn.say("\n".join(render_plan(turn.services.schedule, turn.t, plan)))


def correct_birth(turn: Turn) -> None:
    child = _vaccine_child(turn)
    if child is None:
        start(turn)
        return
    turn.state.pending = Pending(kind="vaccine_birth", data={"child": child.id})
    turn.say(turn.t.gettext("孩子正确的出生日期是哪天？比如 2024年5月6日。"))


def correct_doses(turn: Turn) -> None:
    child = _vaccine_child(turn)
    if child is None:
        start(turn)
        return
    ask_doses(turn, child)
