"""Check the held-out NLU test set against the taxonomy and print counts (scratch script, not a test)."""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TAXONOMY = Path("/work/shared/spec/taxonomy.yaml")
TRAD = set("們這嗎麼說請沒個學醫證兒體錯過會對臨時補處還讀書裡給來幫國辦關係於與為嗎裡實際認識")


def main() -> int:
    tax = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    topics = {t["id"] for t in tax["topics"]}
    intents = {i["id"] for i in tax["intents"]}
    data = yaml.safe_load((HERE / "test_nlu.yml").read_text(encoding="utf-8"))
    assert str(data["version"]) == "3.1", data["version"]
    errors: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    seen: dict[str, str] = {}
    trad = eng = 0
    for block in data["nlu"]:
        label = block["intent"]
        base, _, topic = label.partition("/")
        if base not in intents:
            errors.append(f"unknown intent {label}")
        if topic and (base != "ask_entitlement" or topic not in topics):
            errors.append(f"bad topic {label}")
        if base == "ask_entitlement" and not topic:
            errors.append("ask_entitlement without topic")
        for raw in block["examples"].splitlines():
            if not raw.strip():
                continue
            if not raw.startswith("- "):
                errors.append(f"{label}: malformed line {raw!r}")
                continue
            text = raw[2:].strip()
            if re.search(r"\[[^\]]+\][({\[]", text):
                errors.append(f"{label}: looks like an entity annotation: {text}")
            if text in seen:
                errors.append(f"duplicate {text!r} in {seen[text]} and {label}")
            seen[text] = label
            counts[label] += 1
            if TRAD & set(text):
                trad += 1
            elif re.fullmatch(r"[\x00-\x7f]+", text) or sum(c.isascii() for c in text) > 0.8 * len(text):
                eng += 1
    total = sum(counts.values())
    for label in sorted(counts):
        print(f"{counts[label]:4d}  {label}")
    missing = sorted(f"ask_entitlement/{t}" for t in topics)
    missing = [m for m in missing if m not in counts]
    missing += sorted(i for i in intents - {"ask_entitlement"} if i not in counts)
    if missing:
        errors.append(f"missing labels: {missing}")
    for label, n in counts.items():
        need = 40 if label in ("crisis", "out_of_scope") else 10
        need = 8 if label.startswith("ask_entitlement/") else need
        if n < need:
            errors.append(f"{label}: {n} < {need}")
    if total < 360:
        errors.append(f"total {total} < 360")
    print(f"total {total}; traditional {trad} ({trad / total:.1%}); english {eng} ({eng / total:.1%})")
    neg_text = (HERE / "crisis_negatives.txt").read_text(encoding="utf-8")
    neg = [ln for ln in neg_text.splitlines() if ln.strip()]
    if len(neg) != 150 or len(set(neg)) != len(neg):
        errors.append(f"crisis_negatives: {len(neg)} lines, {len(set(neg))} unique")
    overlap = set(neg) & set(seen)
    if overlap:
        errors.append(f"negatives also in test set: {overlap}")
    print(f"crisis_negatives: {len(neg)}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
