"""Statutory time: periods counted in Asia/Shanghai calendar days, instants stored in UTC.

Chinese tendering law counts periods in calendar days (日) unless it says working days
(工作日). A day-period "at least N days from A to B" is checked on the local dates of the
two instants. Working days skip Saturdays and Sundays; statutory holidays are configured
per year in the procedure file when a center needs them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(instant: datetime) -> date:
    """The calendar date in Asia/Shanghai of an aware instant."""
    return instant.astimezone(SHANGHAI).date()


def days_between(start: datetime, end: datetime) -> int:
    """Whole calendar days between the local dates of two instants (end - start)."""
    return (local_date(end) - local_date(start)).days


def add_days(instant: datetime, days: int) -> datetime:
    """The same local time of day `days` calendar days later."""
    local = instant.astimezone(SHANGHAI)
    return (local + timedelta(days=days)).astimezone(UTC)


def working_days_between(start: datetime, end: datetime, holidays: frozenset[date] = frozenset()) -> int:
    """Working days after the local date of `start` up to and including that of `end`."""
    day = local_date(start)
    last = local_date(end)
    count = 0
    while day < last:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count += 1
    return count


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant; a time without offset is taken as Asia/Shanghai time."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(UTC)


def format_instant(instant: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z, the form events carry."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
