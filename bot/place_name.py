"""A place as a caller names it (an id such as xiamen, or a name: 厦门, 厦门市) -> the lexicon's ids,
shared by the command line (`--province`, `--city`) and the hotline API; and the other way, a place
stored as ids in the reader's words (the console)."""

from __future__ import annotations

from core.i18n import Translator
from core.lexicon import Lexicon, Place


class UnknownPlaceError(ValueError):
    """A place that is not in the lexicon, or a city outside the province given with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field  # "province" or "city"


def resolve_place(lexicon: Lexicon, province: str | None, city: str | None) -> tuple[str | None, str | None]:
    """Accept ids (xiamen) or names (厦门, 厦门市); a city implies its province."""

    def find(kind: str, value: str) -> str:
        key = value.strip().lower()
        for place in (*lexicon.places, *lexicon.more_places):  # outside places: national items only
            if place.kind == kind and key in {
                place.id,
                place.name.lower(),
                f"{place.name}市",
                f"{place.name}省",
            }:
                return place.id
        raise UnknownPlaceError(kind, f"unknown {kind} '{value}'")

    province_id = find("province", province) if province else None
    city_id = find("city", city) if city else None
    if city_id:
        owner = lexicon.place_by_id[("city", city_id)].province
        if province_id and province_id != owner:
            raise UnknownPlaceError("city", f"{city} is not in {province}")
        province_id = owner
    return province_id, city_id


KINDS = ("province", "city", "district")


def place_in_words(lexicon: Lexicon, path: str | None, t: Translator) -> str:
    """A place stored as ids ("fujian/xiamen/siming": a ticket's place, a case summary's residence or
    hukou) in the reader's language: 福建 / 厦门 / 思明 (Traditional: 福建 / 廈門 / 思明; English: the
    pinyin the lexicon lists, Fujian / Xiamen / Siming). An id the lexicon does not know stays as
    it is; each part is read as the next kind it can be (province, then city, then district)."""
    if not path:
        return "-"
    at = 0
    words = []
    for part in path.split("/"):
        for index in range(at, len(KINDS)):
            place = lexicon.place_by_id.get((KINDS[index], part))
            if place is not None:
                at = index + 1
                words.append(_name(lexicon, place, t))
                break
        else:
            words.append(part)
    return " / ".join(words)


def _name(lexicon: Lexicon, place: Place, t: Translator) -> str:
    if t.locale == "en":
        pinyin = lexicon.pinyin_names.get((place.kind, place.id))
        return pinyin or place.name
    return t.content(place.name)
