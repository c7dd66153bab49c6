"""What the console's reports pages (/console/reports, bot/server/console.py) show whom, and their words.

The scope comes from the login, never from the address: an admin may look at every place (all, a
province, a city, a district), a supervisor at their city or one of its districts, a worker at one of
their own districts (the families they serve; a district's figures are small, so more cells read
"<5"). A `place` (or `city`, `district`) asked for in the query that is not one of the person's
choices is refused (403) and the refusal audited; nothing is built for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.reports import REPORTS, Report, Scope, Table
from bot.reports.label import Names, for_people, with_names
from bot.reports.lists import NOT_RECORDED
from bot.reports.report import Cell
from bot.reports.suppression import SUPPRESSED
from bot.storage.workers import StaffMember
from core.i18n import N_, Translator
from core.lexicon import Lexicon, Place

OLDEST_DAYS = 3 * 366  # the earliest `since` a page offers

PAGE_TEXT: dict[str, str] = {
    "nav": N_("报表"),
    "heading": N_("报表"),
    "intro": N_("这些数字来自家长和助手的对话，只有汇总，没有任何家庭的信息。"),
    "place": N_("地方"),
    "all_places": N_("全部地区"),
    "since": N_("从哪天起"),
    "show": N_("查看"),
    "fresh": N_("数据更新于 {time}"),
    "period": N_("{scope} · {since} 至今"),
    "download_csv": N_("下载 CSV"),
    "download_json": N_("下载 JSON"),
    "downloads": N_("下载（和命令行 tongxing report 的数字相同；下载会记入审计记录）"),
    "suppressed": N_("少于 5 个家庭的格子显示为“<5”，这样谁也认不出是哪一家。"),
    "chart_desc": N_("图中的数字和旁边表格里的一样；显示为“<5”的格子不画。"),
    "empty": N_("这段时间没有数据。"),
    "back": N_("所有报表"),
    "no_place": N_("你的账号没有分配地区，暂时看不到报表。请联系管理员。"),
    "yes": N_("是"),
    "no": N_("否"),
    "not_recorded": N_("未记录"),
}

REPORT_DESCRIPTIONS: dict[str, str] = {
    "demand": N_("家长问哪些服务：按主题、地方和每周统计。"),
    "gaps": N_("知识库答不上的问题，按主题归类（已去掉姓名、电话、证件号和地址）。"),
    "quality": N_("回答有没有帮助：按服务统计，以及哪些回答之后最常找社工。"),
    "uptake": N_("问过的权益和按清单办完的申请，以及家长在哪一步停下。"),
    "handoffs": N_("转给社工的对话：数量、等待时间和结果，按地方统计。"),
    "lists": N_("各市是否发布了服务清单、是否覆盖省级清单、什么时候该更新。"),
}

REPORT_TITLES: dict[str, str] = {
    "demand": N_("家长问什么"),
    "gaps": N_("知识库答不上的问题"),
    "quality": N_("回答的质量"),
    "uptake": N_("申请的完成情况"),
    "handoffs": N_("转给社工的对话"),
    "lists": N_("各市的服务清单"),
}


class RefusedError(Exception):
    """A place outside the person's scope was asked for (the address was edited)."""

    def __init__(self, requested: str) -> None:
        super().__init__(requested)
        self.requested = requested


@dataclass(frozen=True)
class PlaceChoice:
    id: str  # "" for every place (an admin's default)
    label: str
    scope: Scope


def page_text(t: Translator) -> dict[str, str]:
    return {key: t.gettext(message) for key, message in PAGE_TEXT.items()}


def choices(member: StaffMember, lexicon: Lexicon, t: Translator) -> list[PlaceChoice]:
    """The places this person may look at, the default first."""
    canonical: dict[tuple[str, str], Place] = {}
    for place in lexicon.places:  # canonical names come first; aliases never replace them
        canonical.setdefault((place.kind, place.id), place)
    places = {place.id: place for (kind, _), place in canonical.items() if kind != "province"}
    ordered = sorted(canonical.values(), key=lambda p: (p.province, p.city or "", p.id))
    districts = [p for p in ordered if p.kind == "district"]

    def district(place_id: str) -> PlaceChoice | None:
        place = places.get(place_id)
        if place is None or place.kind != "district":
            return None
        city = places.get(place.city or "")
        label = f"{t.content(city.name)} · {t.content(place.name)}" if city else t.content(place.name)
        return PlaceChoice(place.id, label, Scope(place.province, place.city, place.id))

    def city(place_id: str) -> PlaceChoice | None:
        place = places.get(place_id)
        if place is None or place.kind != "city":
            return None
        return PlaceChoice(place.id, t.content(place.name), Scope(place.province, place.id))

    found: list[PlaceChoice | None] = []
    if member.role == "admin":
        found.append(PlaceChoice("", t.gettext(PAGE_TEXT["all_places"]), Scope()))
        found += [PlaceChoice(p.id, t.content(p.name), Scope(p.id)) for p in ordered if p.kind == "province"]
        found += [city(p.id) for p in ordered if p.kind == "city"]
        found += [district(p.id) for p in districts]
    elif member.role == "supervisor" and member.city:
        found.append(city(member.city))
        found += [district(p.id) for p in districts if p.city == member.city]
    elif member.role == "worker":
        found += [
            district(d)
            for d in member.districts
            if member.city is None or (d in places and places[d].city == member.city)
        ]
    return [choice for choice in found if choice is not None]


def chosen(options: list[PlaceChoice], query: dict[str, str]) -> PlaceChoice:
    """The place asked for in the query (district, then city, then place), or the default; a place
    not among the options is refused, whatever it names."""
    requested = query.get("district") or query.get("city") or query.get("place") or ""
    if not options:
        raise RefusedError(requested or "-")
    if not requested:
        return options[0]
    for option in options:
        if option.id == requested:
            return option
    raise RefusedError(requested[:40])


def since_of(value: str | None, today: date, default: date) -> date:
    """The first day asked for (YYYY-MM-DD), kept between OLDEST_DAYS ago and today."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        day = default
    return min(max(day, today - timedelta(days=OLDEST_DAYS)), today)


def cell_text(cell: object, t: Translator) -> str:
    """A table cell as the page shows it ("<5" stays "<5")."""
    if cell is None:
        return "-"
    if cell == SUPPRESSED:
        return SUPPRESSED
    if cell == "yes":
        return t.gettext(PAGE_TEXT["yes"])
    if cell == "no":
        return t.gettext(PAGE_TEXT["no"])
    if cell == NOT_RECORDED:
        return t.gettext(PAGE_TEXT["not_recorded"])
    if isinstance(cell, float):
        return f"{cell:g}"
    return str(cell)


PLACE_COLUMNS = ("province", "city", "district")


def named(report: Report, names: Names, t: Translator, *, page: bool = True) -> Report:
    """The report with its topics, services and flows named in `t`'s language (bot/reports/label.py):
    a page shows the names only; a download (`page=False`) keeps each id column beside its name."""
    found = with_names(report, names.for_reader(t))
    if not page:
        return found
    return replace(found, tables=tuple(for_people(table) for table in found.tables))


def with_place_names(table: Table, lexicon: Lexicon, t: Translator) -> Table:
    """The table with its place ids (siming) in words (思明), for the page; the downloads keep ids."""
    at = [(index, column) for index, column in enumerate(table.columns) if column in PLACE_COLUMNS]
    if not at:
        return table

    def named(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
        cells = list(row)
        for index, kind in at:
            place = lexicon.place_by_id.get((kind, str(cells[index])))
            if place is not None:
                cells[index] = t.content(place.name)
        return tuple(cells)

    return replace(table, rows=tuple(named(row) for row in table.rows))


def names() -> list[str]:
    return [name for name in REPORT_TITLES if name in REPORTS]
