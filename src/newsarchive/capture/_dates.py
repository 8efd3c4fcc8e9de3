"""Whether a date a page states is a date the page shows.

A page's metadata often carries a date no reader sees (a template's creation date, a
copyright year read as 1 January), and trafilatura's date search finds one on nearly every
page. A publication date is believed only when the page shows it: in its visible text,
written in one of the common English or numeric forms (`December 8, 2025`, `8 Dec 2025`,
`2025-12-08`, `08/12/2025`, ...), or in the `datetime` of a `<time>` element (the
machine-readable form of a date shown beside it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

__all__ = ["day_of", "is_shown", "shown_forms"]

_DAY: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTHS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def day_of(value: str | None) -> dt.date | None:
    """The calendar day an ISO 8601 date or date-time names (its first ten characters)."""
    match = _DAY.match(value or "")
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def shown_forms(day: dt.date) -> set[str]:
    """How a page may write `day` (lower case, single spaces)."""
    month = _MONTHS[day.month - 1]
    months = {month, month[:3], month[:3] + ".", "sept" if month == "september" else month}
    d, y = day.day, day.year
    days = {str(d), f"{d:02d}", f"{d}{_suffix(d)}"}
    forms: set[str] = set()
    for m in months:
        for dd in days:
            forms |= {f"{m} {dd}, {y}", f"{m} {dd} {y}", f"{dd} {m} {y}", f"{dd} {m}, {y}"}
            forms |= {f"{dd} of {m} {y}", f"{dd}. {m} {y}"}
    mm, dd2 = f"{day.month:02d}", f"{d:02d}"
    for sep in ("/", ".", "-"):
        forms |= {f"{dd2}{sep}{mm}{sep}{y}", f"{mm}{sep}{dd2}{sep}{y}"}
        forms |= {f"{d}{sep}{day.month}{sep}{y}", f"{day.month}{sep}{d}{sep}{y}"}
        forms.add(f"{y}{sep}{mm}{sep}{dd2}")
    return forms


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def is_shown(value: str | None, text: str, time_values: tuple[str, ...] = ()) -> bool:
    """Whether the date `value` (ISO 8601) is shown: in `text` (the page's visible text,
    lower case, single spaces) or as the day of a `<time datetime>` value."""
    day = day_of(value)
    if day is None:
        return False
    if any(day_of(t) == day for t in time_values):
        return True
    return any(form in text for form in shown_forms(day))
