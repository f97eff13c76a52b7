"""Office hours on the Asia/Shanghai calendar: when simulated people act.

Staff, agencies and experts work on weekdays between 09:00 and 17:30; bidders also work
evenings before a deadline. Statutory holidays are not modelled (the procedure's periods
are calendar days anyway).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from jianzheng.domain.calendar import SHANGHAI, local_date


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def working_day(day: date) -> date:
    """The day itself if a weekday, else the next Monday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def add_working_days(day: date, days: int) -> date:
    for _ in range(days):
        day = working_day(day + timedelta(days=1))
    return working_day(day)


def office_moment(rng: random.Random, day: date, earliest: datetime | None = None) -> datetime:
    """A moment in office hours on `day` (or the next working day), not before `earliest`."""
    day = working_day(day)
    start = at(day, 9, 0)
    if earliest is not None and earliest > start:
        if local_date(earliest) > day or earliest.astimezone(SHANGHAI).time() >= time(17, 0):
            return office_moment(rng, local_date(earliest) + timedelta(days=1))
        start = earliest
    end = at(day, 17, 30)
    span = max(60, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span))


def later_same_day(rng: random.Random, moment: datetime, low_minutes: int, high_minutes: int) -> datetime:
    return moment + timedelta(minutes=rng.randint(low_minutes, high_minutes), seconds=rng.randrange(60))
