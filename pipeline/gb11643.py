"""GB 11643 resident ID numbers, read as the standard says, on top of python-stdnum.

stdnum's `ric.validate` also asks that the number's region code existed in the holder's
*birth year*. The standard does not: the address code is that of the county where the
number was first issued, and a number is never changed when districts are re-coded later.
A person born in 1981 may hold 510105 (青羊区, created 1990), and stdnum's table starts
most codes in 1983, the year it begins, so that test fails nearly everyone born before
1983. What is evidence against a number is only:

- a region code the table has never known (no county under it at any time), or
- a code whose every county was abolished before the holder was born (a number first
  issued after the code had gone).

Everything else (length, digits, check digit, a real birth date) is stdnum's.
"""

from __future__ import annotations

import datetime as dt
import functools

from stdnum import numdb
from stdnum.cn import ric

REGION_UNKNOWN = "行政区划代码不存在"
REGION_ABOLISHED = "行政区划代码在出生前已撤销"


@functools.cache
def _county_ranges(code: str) -> tuple[tuple[int | None, int | None], ...] | None:
    """Year ranges (start, end; None = open) of the counties stdnum knows under a 6-digit
    code; None when the table has no county for it."""
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    counties = info.get("county")
    if not counties:
        return None
    ranges: list[tuple[int | None, int | None]] = []
    for county in counties.split(","):
        if not county.startswith("["):
            ranges.append((None, None))
            continue
        start, end = county[1:].split("]", 1)[0].split("-")
        ranges.append((int(start) if start else None, int(end) if end else None))
    return tuple(ranges)


def region_problem(idn: str) -> str | None:
    """Why the region code of an 18-digit number (birth date readable) cannot be right, in
    words, or None. Only a code never known, or gone before the birth year, counts."""
    ranges = _county_ranges(idn[:6])
    if ranges is None:
        return REGION_UNKNOWN
    year = int(idn[6:10])
    if all(end is not None and end < year for _start, end in ranges):
        return REGION_ABOLISHED
    return None


def birth(idn: str) -> dt.date | None:
    """The birth date in digits 7–14, if it is a date."""
    if len(idn) != 18 or not idn[:14].isdigit():
        return None
    try:
        return dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
    except ValueError:
        return None


def format_problem(idn: str) -> str | None:
    """Length, characters, check digit and birth date, in words; None when they hold."""
    if len(idn) != 18:
        return f"位数应为18位，实为{len(idn)}位"
    if not idn[:17].isdigit() or not (idn[17].isdigit() or idn[17] == "X"):
        return "含有非数字字符"
    if idn[17] != ric.calc_check_digit(idn):
        return "校验码错误"
    if birth(idn) is None:
        return "出生日期段不是有效日期"
    return None


def is_valid(idn: str) -> bool:
    """A number that GB 11643 accepts: format, check digit, birth date, region code."""
    try:
        return format_problem(idn) is None and region_problem(idn) is None
    except Exception:  # noqa: BLE001 - stdnum may raise on odd input in some versions
        return False
