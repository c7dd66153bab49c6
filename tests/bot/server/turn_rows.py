"""Turn log rows for the console's reports tests (unit and browser): families of two cities asking
about topics, each family under a random hash on random days of the last three weeks. Fuzhou's
topic and count appear in no Xiamen figure, so a page of Xiamen can be searched for them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import TurnLog
from core.database import transaction

# (city, district, topic, families asking, questions each)
ASKED = (
    ("xiamen", "siming", "school", 9, 2),
    ("xiamen", "siming", "health", 6, 1),
    ("xiamen", "huli", "school", 7, 1),
    ("xiamen", "huli", "vaccine", 2, 1),  # two families: "<5"
    ("fuzhou", "gulou", "residence_permit", 13, 3),
)
# what a page of Xiamen must not contain: Fuzhou's ids, names, topic (id and name) and count (39)
FUZHOU_MARKS = ("fuzhou", "gulou", "residence_permit", "居住证能享受什么", "福州", "鼓楼", ">39<")


def log_questions(sessions: sessionmaker[Session], now: datetime, zone: ZoneInfo, seed: int = 15) -> None:
    rng = random.Random(seed)
    with transaction(sessions) as session:
        for city, district, topic, families, each in ASKED:
            for _ in range(families):
                family = f"{rng.getrandbits(64):016x}"
                for _ in range(each):
                    at = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
                    session.add(
                        TurnLog(
                            at=at,
                            day=at.astimezone(zone).date(),
                            channel="telegram",
                            family=family,
                            intent="ask",
                            topic=topic,
                            question=True,
                            province="fujian",
                            city=city,
                            district=district,
                        )
                    )
