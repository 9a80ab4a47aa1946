"""P1/P3: what a board shows, as plain JSON (`Notice.snapshot`), built once when it is published.

The snapshot is the archived data of the board: the PDF is rendered from it alone, so rendering it
again gives the same content, and nothing read later (a renamed village, a changed phone number) can
change a published board. One shape serves every kind of notice (P6):

    {"kind", "language", "title", "subtitle", "village", "branch", "starts_on", "ends_on", "days",
     "contact": {"address", "phone", "supervision_phone"}, "public_url", "intro",
     "columns": [{"label", "num"}], "groups": [{"name", "rows": [[cell, ...]], "count", "total"}],
     "count", "total", "signatures": [label, ...]}
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from sunshine_credit.lib.money import yuan


def grouped(rows: Iterable[tuple[str, list, Decimal | None]], no_group: str) -> list[dict]:
    """Rows of (group name, cells, amount) already ordered by group → [{"name", "rows", "count", "total"}]."""
    groups: list[dict] = []
    for group, cells, amount in rows:
        name = group or no_group
        if not groups or groups[-1]["name"] != name:
            groups.append({"name": name, "rows": [], "count": 0, "total": Decimal(0)})
        groups[-1]["rows"].append(cells)
        groups[-1]["count"] += 1
        groups[-1]["total"] += amount or 0
    return [{**g, "total": yuan(g["total"])} for g in groups]


def board_snapshot(*, kind: str, language: str, title: str, subtitle: str, village: str, branch, intro: str,
                   starts_on: datetime.date, ends_on: datetime.date, public_url: str, columns: list[dict],
                   groups: list[dict], total: Decimal, signatures: list[str]) -> dict:
    """The JSON of one board. `branch` gives the name and where to object (address, phone, supervision)."""
    return {
        "kind": kind, "language": language, "title": title, "subtitle": subtitle, "village": village,
        "branch": branch.name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "days": (ends_on - starts_on).days + 1,
        "contact": {"address": branch.address, "phone": branch.phone, "supervision_phone": branch.supervision_phone},
        "public_url": public_url, "intro": intro, "columns": columns, "groups": groups,
        "count": sum(g["count"] for g in groups), "total": yuan(total), "signatures": signatures,
    }
