"""Five reviewers save their grid rows at the same moment against a SQLite file (issue 15, item 6).

Run by tests/core/test_sqlite_concurrency.py in a subprocess, with DATABASE_URL naming a fresh SQLite file, so
that the settings' SQLite options (WAL, busy timeout, IMMEDIATE transactions) are the ones under test: pytest's
own test database is in memory and shared by one thread, which would prove nothing. Prints a JSON report.
"""

import json
import os
import sys
import threading
from pathlib import Path

ROUNDS = 6  # each reviewer saves every household this many times (each save is a new version)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from appraisal.models import Appraisal
    from tests.appraisal.factories import make_panel_world

    setup_test_environment()  # the test client's plumbing; the database stays the file DATABASE_URL names
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        county = make_panel_world(households=4)
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()  # each thread opens its own connection

    url = reverse("appraisal:seat_row_save", args=[county.panel.pk])
    start = threading.Barrier(len(county.reviewers))
    failures, statuses, lock = [], [], threading.Lock()

    def reviewer_saves(reviewer) -> None:
        client = Client()
        try:
            client.force_login(reviewer.user)
            versions = {h.pk: 0 for h in county.households}
            start.wait()
            for n in range(ROUNDS):
                for household in county.households:
                    body = {"household": household.pk, "version": versions[household.pk],
                            "amount": str(10000 + 1000 * n), "withhold_reasons": "", "rating": "3"}
                    response = client.post(url, json.dumps(body), content_type="application/json")
                    with lock:
                        statuses.append(response.status_code)
                    if response.status_code == 200:
                        versions[household.pk] = response.json()["version"]
                    else:
                        with lock:
                            failures.append(f"{reviewer.name} {household.code}: {response.status_code} "
                                            f"{response.content[:200]!r}")
        except Exception as exc:  # "database is locked" arrives here (the test client re-raises)
            with lock:
                failures.append(f"{reviewer.name}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reviewer_saves, args=(r,)) for r in county.reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    last_amount = str(10000 + 1000 * (ROUNDS - 1))
    with scopes_disabled():
        rows = list(Appraisal.objects.filter(member__panel=county.panel).values_list("amount", "version"))
    print(json.dumps({
        "journal_mode": journal_mode, "failures": failures[:10], "saves": len(statuses),
        "ok": statuses.count(200), "expected": len(county.reviewers) * len(county.households) * ROUNDS,
        "rows": len(rows), "expected_rows": len(county.reviewers) * len(county.households),
        "all_last": all(f"{amount:.0f}" == last_amount and version == ROUNDS for amount, version in rows),
    }))


if __name__ == "__main__":
    main()
