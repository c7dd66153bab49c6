"""Chinese numerals as parents type them: 五, 十二, 两, 二十三, 一百零五, 三十, 半; and Arabic digits."""

from __future__ import annotations

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)
NUMERAL_PATTERN = rf"(?:\d+(?:\.\d+)?|[{NUMERAL_CHARS}]+)"


def to_number(text: str) -> int | float | None:
    """'5' -> 5, '5.5' -> 5.5, '十二' -> 12, '二十三' -> 23, '两' -> 2, '一百零五' -> 105,
    '二三' -> 23 (digit by digit, as in years); None for anything else."""
    value = text.strip()
    if not value:
        return None
    if value.replace(".", "", 1).isdigit():
        return float(value) if "." in value else int(value)
    if any(char not in DIGITS and char not in UNITS for char in value):
        return None
    if not any(char in UNITS for char in value):
        # Digit by digit: 二三 -> 23, 二零二三 -> 2023.
        number = 0
        for char in value:
            number = number * 10 + DIGITS[char]
        return number
    total = 0
    current = 0
    for char in value:
        if char in DIGITS:
            current = DIGITS[char]
        else:
            unit = UNITS[char]
            total += (current or 1) * unit  # 十二: an implicit one before 十
            current = 0
    return total + current
