"""A place as a caller names it (an id such as xiamen, or a name: 厦门, 厦门市) -> the lexicon's ids.
Shared by the command line (`--province`, `--city`) and the hotline API."""

from __future__ import annotations

from core.lexicon import Lexicon


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
