"""Entities by rules over the normalised text: the child's age, birth date, places (with the role
residence or hukou), school stage and grade, number of children and vaccine names.

Offsets refer to the text as the caller gave it: normalisation is done character by character
so that every normalised position maps back to an original one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from opencc import OpenCC

from core.lexicon import Lexicon
from nlu.numeral import NUMERAL_PATTERN, to_number
from nlu.result import Entity

N = NUMERAL_PATTERN
_NOT_CHILD = re.compile(
    r"(?:我|俺|本人|老公|老婆|媳妇|丈夫|妻子|他爸|他妈|孩子他爸|孩子他妈|爸爸|妈妈|爷爷|奶奶|外公|外婆|姥姥|姥爷)(?:今年|都|已经)?$"
)
_STAY_VERB = re.compile(
    r"来|住|待|呆|干|打工|工作|上班|交|缴|办|过期|等|花|满足|连续|居住|租|搬|在这|社保|参保|签注|有效期|学了|读了|请假|出差|还有|还剩|提前|之内|以内|超过|不满|不到"
)
_AGE_YEARS = re.compile(
    rf"(?P<prefix>刚满|满|快|才|已经|都|今年|周)?(?P<num>{N})(?:周)?岁(?P<half>半)?(?P<more>多)?(?:(?P<months>{N})个?月)?"
)
_AGE_MONTHS = re.compile(
    rf"(?P<prefix>刚满|满|快|才|已经|都|刚)?(?P<num>{N}|半)个?月(?:大|了|的宝宝|的孩子|的娃|宝宝|左右)?"
)
_AGE_WORDS = re.compile(r"(?P<word>满月|百天|刚出生|新生儿|刚生|快半岁|半岁)")
_ENTRY = re.compile(
    r"(?P<when>明年|今年|马上|快要|快|九月|9月|下学期|下半年|秋季)(?:就|要|就要|该|准备)?(?:上|读|进|入)(?P<what>一年级|小学|幼儿园|小班|初一|初中|七年级|高一|高中)"
)
_DATE_FULL = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[./\-年]\s*(?P<m>\d{1,2})\s*[./\-月]\s*(?P<d>\d{1,2})\s*(?:日|号)?"
)
# a part of a month said instead of a day: "十二月底" is late December, not its first day
_PART = r"(?P<part>初|上旬|中旬|下旬|底|末)?"
_PART_DAY = {"初": 5, "上旬": 5, "中旬": 15, "下旬": 25, "底": 25, "末": 25}
_DATE_SHORT = re.compile(
    rf"(?<!\d)(?P<y>\d{{2}}|[零〇一二三四五六七八九]{{2}})年(?P<m>{N})月{_PART}(?:(?P<d>{N})(?:日|号))?"
)
_DATE_MONTH = re.compile(
    rf"(?P<y>(?:19|20)\d{{2}}|[零〇一二三四五六七八九]{{4}})年(?P<m>{N})月(?:份)?{_PART}(?:(?P<d>{N})(?:日|号))?"
)
_DATE_RELATIVE = re.compile(
    rf"(?P<rel>去年|前年|今年|大前年)(?P<m>{N})月(?:份)?{_PART}(?:(?P<d>{N})(?:日|号))?"
)
# a year of the Minguo calendar (民国108年 is 2019), as written in Taiwan
_DATE_MINGUO = re.compile(rf"民国(?P<y>{N})年(?:(?P<m>{N})月(?:份)?{_PART}(?:(?P<d>{N})(?:日|号))?)?")
# "两个月前", "大概半年前", "一年多以前": a date that long ago
_DATE_AGO = re.compile(rf"(?P<n>{N}|半)(?:个)?(?P<more>多)?(?P<unit>月|年)(?:多)?(?:以)?前")
# English: "2 June 2013", "June 2, 2013", "Jan 2021", "March last year", "15/12/2016"
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sept sep",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_MON = "(?P<mon>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_EN_YEAR = r"(?P<y>(?:19|20)\d{2})"
_EN_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_EN_DATES = (
    re.compile(rf"\b{_EN_DAY} (?:of )?{_MON},? {_EN_YEAR}\b"),
    re.compile(rf"\b{_MON} {_EN_DAY},? {_EN_YEAR}\b"),
    re.compile(rf"\b{_MON},? (?:of )?{_EN_YEAR}\b"),
    re.compile(rf"\b{_MON},? (?P<rel>this year|last year|the year before last)\b"),
    re.compile(rf"\b(?P<rel>this year|last year|the year before last),? (?:in )?{_MON}\b"),
)
_EN_BACK = {"this year": 0, "last year": 1, "the year before last": 2}
# day and month in numbers: the order is read only when one of them cannot be a month
_NUMERIC_DATE = re.compile(r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>(?:19|20)\d{2})(?![\d/.])")
_BIRTH_CUE = re.compile(r"生|出生|生日|出世|诞生|born|birth")
_NOT_BIRTH_AFTER = re.compile(r"^(?:份)?(?:的时候)?(?:来|到|搬|办|交|缴|住|去|回|开始|报|打|上|过期|入|签)")
_STAGES = (
    ("infant", "托育|托班|托儿所|早教|托小班"),
    ("preschool", "幼儿园|幼稚园|幼儿圆|普惠园|公办园|民办园|学前班|学前|幼兒園"),
    ("primary", "小学|小學"),
    ("junior_middle", "初中|国中|中考"),
    ("senior_high", "普通高中|普高|高中|高考"),
    ("vocational", "中职|中专|职高|职校|技校|技工学校|卫校|职业学校|职业高中|五年制大专"),
)
_GRADE_WORDS = {
    "小班": "kindergarten_small",
    "中班": "kindergarten_middle",
    "大班": "kindergarten_big",
    "初一": "junior_1",
    "初二": "junior_2",
    "初三": "junior_3",
    "高一": "senior_1",
    "高二": "senior_2",
    "高三": "senior_3",
    "七年级": "junior_1",
    "八年级": "junior_2",
    "九年级": "junior_3",
}
_GRADE_NUMBER = re.compile(r"(?P<num>[一二三四五六七八九1-9])年级")
_CHILD_COUNT = re.compile(
    rf"(?P<num>{N}|俩)(?:个|位)?(?:孩子|娃|小孩|小孩子|娃娃|宝宝|娃儿|崽|儿子|女儿|闺女|小朋友)"
)
_BIRTH_ORDER = re.compile(r"老(?P<n>大|二|三|四|五)")
_CHILD_CHILDREN = re.compile(
    r"(?P<n>二|三|四)胎|双胞胎|龙凤胎|独生(?:子女|子|女)|(?P<one>就|只有)一个(?:孩子|娃|小孩)"
)
_ROLE_HUKOU = re.compile(
    r"(?:老家|户口|户籍|原籍|籍贯|祖籍|家乡|从|來自|来自|不是)[^，。,.!?！？;；\n]{0,3}$"
)
_ROLE_RESIDENCE = re.compile(
    r"(?:现在|目前|如今|现|住|居住|来到|来了|来|到了|到|搬到|搬来|在|定居|打工在|工作在|上班在|落脚)[^，。,.!?！？;；\n]{0,3}$"
)
_HUKOU_AFTER = re.compile(r"^(?:市|省|县|区)?(?:的)?(?:户口|户籍|人|农村户口|籍)")
_HUKOU_CUE = re.compile(r"(?:老家|户口|户籍|原籍|籍贯|祖籍|家乡)(?:在|是|属于)?|来自|從|从|不是")
_RESIDENCE_CUE = re.compile(r"现在|目前|如今|住|来到|到了|搬到|搬来|定居|在|来|到")
_CHILD_WORD = re.compile(r"孩子|宝宝|宝贝|娃|儿子|女儿|闺女|崽|小孩|老大|老二|他|她")
_BOUNDARY = re.compile(r"[，。,.!?！？;；\n ]")


@dataclass(frozen=True)
class _PlaceName:
    kind: str  # province | city | district
    id: str
    province: str
    ambiguous: bool


def _aligned(text: str, t2s: OpenCC) -> tuple[str, list[int]]:
    """Normalise char by char (NFKC, lower case, Traditional -> Simplified); map back to offsets."""
    pieces: list[str] = []
    offsets: list[int] = []
    for position, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        pieces.append(folded)
        offsets.extend([position] * len(folded))
    joined = "".join(pieces)
    if any("\u3400" <= char <= "\u9fff" for char in joined):
        converted = t2s.convert(joined)
        if len(converted) == len(joined):
            joined = converted
        else:
            joined = "".join(t2s.convert(char) if len(t2s.convert(char)) == 1 else char for char in joined)
    offsets.append(len(text))
    return joined, offsets


class EntityExtractor:
    def __init__(self, lexicon: Lexicon) -> None:
        """Places, their ambiguous names and vaccine names all come from the lexicon."""
        self._t2s = OpenCC("t2s")
        ambiguous = lexicon.ambiguous
        self._places: dict[str, _PlaceName] = {}
        for place in (*lexicon.places, *lexicon.more_places):
            if len(place.name) >= 2 and not place.name.isascii():
                self._add(
                    place.name, _PlaceName(place.kind, place.id, place.province, place.name in ambiguous)
                )
            elif place.name.isascii() and len(place.name) > 3:
                self._add(place.name.lower(), _PlaceName(place.kind, place.id, place.province, False))
        names = sorted(self._places, key=len, reverse=True)
        suffix = (
            r"(?:黎族苗族自治县|黎族自治县|综合实验区|特别行政区|维吾尔自治区|壮族自治区|回族自治区"
            r"|自治区|自治县|市|省|县|区|州)?"
        )
        # a pinyin name only as a whole word ("anxi" is not in "anxious")
        alternatives = "|".join(
            rf"(?<![a-z]){re.escape(name)}(?![a-z])" if name.isascii() else re.escape(name) for name in names
        )
        self._place_pattern = re.compile(f"(?P<name>{alternatives}){suffix}")
        self._vaccines = {
            name.lower(): vaccine
            for vaccine, names in lexicon.entity_values.get("vaccine", {}).items()
            for name in names
        }
        vaccine_names = sorted(self._vaccines, key=len, reverse=True)
        self._vaccine_pattern = (
            re.compile(
                "|".join(
                    re.escape(name) if not name.isascii() else rf"\b{re.escape(name)}\b"
                    for name in vaccine_names
                )
            )
            if vaccine_names
            else None
        )
        stage_words = {word: stage for stage, words in _STAGES for word in words.split("|")}
        self._stages = stage_words
        self._stage_pattern = re.compile("|".join(sorted(map(re.escape, stage_words), key=len, reverse=True)))
        self._grade_pattern = re.compile("|".join(map(re.escape, _GRADE_WORDS)))

    def _add(self, name: str, place: _PlaceName) -> None:
        current = self._places.get(name)
        rank = {"province": 0, "city": 1, "district": 2}
        if current is None or rank[place.kind] < rank[current.kind]:
            self._places[name] = place

    def extract(self, text: str, today: date | None = None) -> tuple[Entity, ...]:
        """The entities of `text`. Birth dates are read relative to `today` (the caller's clock);
        without it none are read, since "去年5月" or a date in the future cannot be judged."""
        if not text:
            return ()
        norm, offsets = _aligned(text, self._t2s)
        found: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        found += self._ages(norm)
        if today is not None:
            found += self._birth_dates(norm, today)
            found += self._dates_ago(norm, today)
        found += self._place_entities(norm)
        found += self._stage_and_grade(norm)
        found += self._child_count(norm)
        found += self._vaccine_entities(norm)
        entities = []
        for name, value, start, end, role, note in sorted(found, key=lambda item: (item[2], item[3])):
            begin, finish = offsets[start], offsets[end] if end < len(offsets) else len(text)
            entities.append(Entity(name, value, text[begin:finish], begin, finish, role, note))
        return tuple(entities)

    # -- ages -----------------------------------------------------------------------------------
    def _ages(self, norm: str) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        results: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        taken: list[tuple[int, int]] = []
        for match in _AGE_YEARS.finditer(norm):
            number = to_number(match.group("num"))
            before = norm[max(0, match.start() - 6) : match.start()]
            if number is None or number > 17 or _NOT_CHILD.search(before):
                continue
            value = float(number) + (0.5 if match.group("half") else 0.0)
            if match.group("prefix") == "快" and number >= 1 and not match.group("half"):
                value = float(number) - 0.5  # "快6岁了": five and more, not yet six
            months = to_number(match.group("months") or "")
            if months is not None and months < 12:
                value += months / 12
            note = (
                "at least"
                if match.group("more")
                else ("about to turn" if match.group("prefix") == "快" else None)
            )
            results.append(("age", round(value, 2), match.start(), match.end(), None, note))
            taken.append((match.start(), match.end()))
        for match in _AGE_MONTHS.finditer(norm):
            if any(start <= match.start() < end for start, end in taken):
                continue
            raw = match.group("num")
            number = 0.5 if raw == "半" else to_number(raw)
            before = norm[max(0, match.start() - 8) : match.start()]
            stay = _STAY_VERB.search(before)
            if stay and not _CHILD_WORD.search(before[stay.end() :]):
                continue
            if number is None or number > 36 or "年" in norm[match.start() - 1 : match.start()]:
                continue
            if raw == "半" and not match.group("prefix"):
                continue
            results.append(("age", round(float(number) / 12, 2), match.start(), match.end(), None, None))
        for match in _AGE_WORDS.finditer(norm):
            value = {"满月": 1 / 12, "百天": 100 / 365, "快半岁": 0.45, "半岁": 0.5}.get(
                match.group("word"), 0.0
            )
            results.append(("age", round(value, 2), match.start(), match.end(), None, None))
        for match in _ENTRY.finditer(norm):
            entry = {
                "一年级": 6.0,
                "小学": 6.0,
                "幼儿园": 3.0,
                "小班": 3.0,
                "初一": 12.0,
                "初中": 12.0,
                "七年级": 12.0,
                "高一": 15.0,
                "高中": 15.0,
            }[match.group("what")]
            later = match.group("when") == "明年"
            value = entry - 0.5 if later else entry
            low, high = (int(entry) - 1, int(entry)) if later else (int(entry), int(entry) + 1)
            note = f"estimated from '{match.group()}': about {low}-{high} years"
            results.append(("age", value, match.start(), match.end(), None, note))
        return results

    # -- birth dates ----------------------------------------------------------------------------
    def _birth_dates(
        self, norm: str, today: date
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        results: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, year: int, month: int, day: int | None, explicit_year: bool) -> None:
            if any(a < end and start < b for a, b in taken):
                return
            try:
                value = date(year, month, day or 1)
            except ValueError:
                return
            if value > today or (today.year - value.year) > 18:
                return
            after = norm[end : end + 6]
            around = norm[max(0, start - 4) : end + 6]
            if _NOT_BIRTH_AFTER.search(after) and not _BIRTH_CUE.search(around):
                taken.append((start, end))  # "前年8月份办的": a date, not a birth date
                results.append(("date", value.isoformat(), start, end, None, None))
                return
            if (
                not explicit_year
                and not _BIRTH_CUE.search(around)
                and day is None
                and not re.search("份", after[:1])
            ):
                pass
            taken.append((start, end))
            note = None if day else "month only: first day of the month"
            results.append(("birth_date", value.isoformat(), start, end, None, note))

        def day_of(match: re.Match[str]) -> int | None:
            said = to_number(match.group("d")) if match.group("d") else None
            if isinstance(said, int):
                return said
            return _PART_DAY.get(match.group("part") or "")

        for match in _DATE_MINGUO.finditer(norm):
            year = to_number(match.group("y"))
            month = to_number(match.group("m")) if match.group("m") else 1
            if isinstance(year, int) and isinstance(month, int):
                add(match.start(), match.end(), 1911 + year, month, day_of(match), True)

        for match in _DATE_FULL.finditer(norm):
            add(
                match.start(),
                match.end(),
                int(match.group("y")),
                int(match.group("m")),
                int(match.group("d")),
                True,
            )
        for match in _DATE_MONTH.finditer(norm):
            year = to_number(match.group("y"))
            month = to_number(match.group("m"))
            if isinstance(year, int) and isinstance(month, int):
                add(match.start(), match.end(), year, month, day_of(match), True)
        for match in _DATE_SHORT.finditer(norm):
            short = to_number(match.group("y"))
            month = to_number(match.group("m"))
            if isinstance(short, int) and isinstance(month, int):
                year = 2000 + short if 2000 + short <= today.year else 1900 + short
                add(match.start(), match.end(), year, month, day_of(match), True)
        for match in _DATE_RELATIVE.finditer(norm):
            month = to_number(match.group("m"))
            back = {"今年": 0, "去年": 1, "前年": 2, "大前年": 3}[match.group("rel")]
            if isinstance(month, int):
                add(match.start(), match.end(), today.year - back, month, day_of(match), False)
        for pattern in _EN_DATES:
            for match in pattern.finditer(norm):
                groups = match.groupdict()
                year = today.year - _EN_BACK[groups["rel"]] if groups.get("rel") else int(groups["y"])
                day = int(groups["d"]) if groups.get("d") else None
                add(match.start(), match.end(), year, _MONTH_NAMES[groups["mon"]], day, True)
        for match in _NUMERIC_DATE.finditer(norm):
            first, second = int(match.group("a")), int(match.group("b"))
            if first > 12 >= second:
                add(match.start(), match.end(), int(match.group("y")), second, first, True)
            elif second > 12 >= first:
                add(match.start(), match.end(), int(match.group("y")), first, second, True)
        return results

    @staticmethod
    def _dates_ago(
        norm: str, today: date
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        """ "两个月前", "半年前": the date that long before `today` (a `date`, not a birth date)."""
        results: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        for match in _DATE_AGO.finditer(norm):
            raw = match.group("n")
            number = 0.5 if raw == "半" else to_number(raw)
            if number is None or number <= 0:
                continue
            months = round(float(number) * (12 if match.group("unit") == "年" else 1))
            if months > 18 * 12:
                continue
            year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
            value = date(year, month + 1, min(today.day, 28))
            results.append(("date", value.isoformat(), match.start(), match.end(), None, "relative"))
        return results

    # -- places ---------------------------------------------------------------------------------
    def _place_entities(
        self, norm: str
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        results: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        previous_end = -10
        previous_role: str | None = None
        for match in self._place_pattern.finditer(norm):
            place = self._places[match.group("name")]
            start, end = match.start(), match.end()
            suffixed = end > match.end("name")
            clause_start = max((m.end() for m in _BOUNDARY.finditer(norm, 0, start)), default=0)
            window = norm[clause_start:start]
            adjacent = start - previous_end <= 1
            if (
                place.ambiguous
                and not suffixed
                and not adjacent
                and not _ROLE_RESIDENCE.search(window)
                and not _ROLE_HUKOU.search(window)
                and not _HUKOU_AFTER.search(norm[end:])
            ):
                continue
            role = self._role(norm, window, end)
            if role is None and adjacent:
                role = previous_role
            results.append((place.kind, place.id, start, end, role, None))
            previous_end, previous_role = end, role
        return results

    @staticmethod
    def _role(norm: str, window: str, end: int) -> str | None:
        if _HUKOU_AFTER.search(norm[end:]):
            return "hukou"
        hukou_spans = [m.span() for m in _HUKOU_CUE.finditer(window)]
        hukou = [end for _, end in hukou_spans]
        residence = [
            m.end()
            for m in _RESIDENCE_CUE.finditer(window)
            if not any(start <= m.start() < stop for start, stop in hukou_spans)
        ]
        if not hukou and not residence:
            return None
        if hukou and (not residence or max(hukou) >= max(residence)):
            return "hukou"
        # "从四川来厦门": the 从 marks the first place as the origin; a later 来/到 the residence.
        return "residence"

    # -- school ---------------------------------------------------------------------------------
    def _stage_and_grade(
        self, norm: str
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        results: list[tuple[str, str | int | float, int, int, str | None, str | None]] = []
        for match in self._stage_pattern.finditer(norm):
            results.append(("stage", self._stages[match.group()], match.start(), match.end(), None, None))
        for match in self._grade_pattern.finditer(norm):
            results.append(("grade", _GRADE_WORDS[match.group()], match.start(), match.end(), None, None))
        for match in _GRADE_NUMBER.finditer(norm):
            number = to_number(match.group("num"))
            if isinstance(number, int) and 1 <= number <= 9 and number not in (7, 8, 9):
                results.append(("grade", f"primary_{number}", match.start(), match.end(), None, None))
        return results

    # -- children -------------------------------------------------------------------------------
    def _child_count(
        self, norm: str
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        for match in _CHILD_COUNT.finditer(norm):
            raw = match.group("num")
            number = 2 if raw == "俩" else to_number(raw)
            before = norm[max(0, match.start() - 1) : match.start()]
            if isinstance(number, int) and 1 <= number <= 12 and before not in ("第", "这", "那", "哪"):
                return [("child_count", number, match.start(), match.end(), None, None)]
        orders = list(_BIRTH_ORDER.finditer(norm))
        if orders:
            highest = max("大二三四五".index(match.group("n")) + 1 for match in orders)
            if highest >= 2:
                first, last = orders[0], orders[-1]
                return [("child_count", highest, first.start(), last.end(), None, "at least")]
        found = _CHILD_CHILDREN.search(norm)
        if found:
            text = found.group()
            if found.group("n"):
                number = "一二三四".index(found.group("n")) + 1
            elif text.startswith(("双胞胎", "龙凤胎")):
                number = 2
            else:
                number = 1
            note = "at least" if text.startswith(("双胞胎", "龙凤胎")) else None
            return [("child_count", number, found.start(), found.end(), None, note)]
        return []

    # -- vaccines -------------------------------------------------------------------------------
    def _vaccine_entities(
        self, norm: str
    ) -> list[tuple[str, str | int | float, int, int, str | None, str | None]]:
        if self._vaccine_pattern is None:
            return []
        return [
            ("vaccine", self._vaccines[match.group()], match.start(), match.end(), None, None)
            for match in self._vaccine_pattern.finditer(norm)
        ]
