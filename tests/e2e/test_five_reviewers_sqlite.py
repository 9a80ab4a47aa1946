"""Issue 15, "Done when": tried as a new user would, in a real browser on `make run`'s SQLite: five reviewers
save at once on phone-size windows, nothing is lost and no 500 appears in the log.

The demo stack runs as `make run` starts it (Makefile: DEV_ENV, seed, run): `manage.py migrate` and `seed_demo`,
then `runserver`, with DEBUG on, no REDIS_URL (jobs inline) and the settings' own SQLite options (WAL, busy
timeout, IMMEDIATE transactions) — only the file is a temporary one (DATABASE_URL=sqlite:///…, which takes the
same settings branch as the default db.sqlite3). pytest's test database is not used. Five phone-size browser
contexts (390×844, touch) log in as reviewer1…reviewer5, the five seats of the demo's open round in 东岭村, and
type every row of every group at the same time; afterwards every value typed is in the file, every page shows
each row saved, and the server's log has no 500, traceback or "database is locked".

Set FIVE_REVIEWERS_SHOTS=<dir> to keep a screenshot of each phone at the end.
"""

import asyncio
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e]

PASSWORD = "demo12345"   # supervision/demo/county.py DEMO_PASSWORD
REVIEWERS = [f"reviewer{i}" for i in range(1, 6)]
PHONE = {"width": 390, "height": 844}
SAVE_LINE = re.compile(r'"POST /appraisal/my/\d+/save/ HTTP/1\.1" (\d{3}) ')
STATUS = re.compile(r'" (\d{3}) \d+\s*$')


def typed_row(reviewer: int, row: int) -> tuple[str, str, str, tuple]:
    """What reviewer n (1–5) types in their row-th row (0-based, across the groups): amount, reasons, rating key,
    and the values expected in the database (amount, reasons, rating). Every third row is withheld instead of
    an amount; some amounts are typed in ten-thousands."""
    rating = (reviewer + row) % 4 + 1
    if row % 3 == 2:
        reasons = [reviewer % 9 + 1]
        return "", str(reasons[0]), str(rating), (None, reasons, rating)
    yuan = (20 + 3 * reviewer + row) * 1000
    typed = f"{Decimal(yuan) / 10000:g}w" if row % 3 == 1 else str(yuan)
    return typed, "", str(rating), (Decimal(yuan), [], rating)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dev_env(tmp_path: Path) -> dict:
    """`make run`'s environment (DEV_ENV: no DATABASE_URL, no REDIS_URL, DEBUG=true, no second factor) on a
    temporary file."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_BUSY_TIMEOUT", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DEBUG="true", OTP_REQUIRED_ROLES="", DJANGO_SETTINGS_MODULE="sunshine_credit.settings", PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"))
    return env


@pytest.fixture
def demo_server(tmp_path):
    """migrate + seed_demo + runserver, as `make run`; yields (url, database path, log path); stops the server."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    env, manage = dev_env(tmp_path), [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run(manage + command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
    port, log = free_port(), tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(manage + ["runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                                  cwd=settings.BASE_DIR, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        yield url, tmp_path / "db.sqlite3", log
    finally:
        server.terminate()
        server.wait(timeout=10)


async def reviewer_walk(browser, url: str, number: int, start: asyncio.Event, ready: list, shots: Path) -> dict:
    """One reviewer on a phone: log in, open the round, wait for the others, then type every group's rows."""
    context = await browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(20000)
    try:
        await page.goto(f"{url}/login/")
        await page.fill("input[name=username]", f"reviewer{number}")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{url}/appraisal/my/")              # a reviewer lands on their panels
        await page.click("#my-panels a")
        await page.click("#seat-groups a >> nth=0")
        await page.locator("[name=amount]:focus").wait_for()
        ready.append(number)
        await start.wait()                                          # the five start typing together
        return await type_groups(page, number, shots)
    finally:
        await context.close()


async def type_groups(page, number: int, shots: Path) -> dict:
    """Type every row of this group and the next ones (Enter moves on; leaving a row saves it)."""
    typed, group = {}, 0
    while True:
        rows = page.locator("tr.entry-row")
        codes = [code.strip() for code in await rows.locator("td:first-child .mono").all_inner_texts()]
        for code in codes:
            amount, reasons, rating, expected = typed_row(number, len(typed))
            if amount:
                await page.keyboard.type(amount)
            await page.keyboard.press("Enter")
            if reasons:
                await page.keyboard.type(reasons)
            await page.keyboard.press("Enter")
            await page.keyboard.type(rating)
            await page.keyboard.press("Enter")                       # leaves the row: it is saved
            typed[code] = expected
        for row in await rows.all():                                 # each row's save has answered
            await row.locator(".entry-status [data-state=saved], .entry-status [data-state=error]").wait_for()
        errors = await page.locator(".entry-status [data-state=error]").all_inner_texts()
        assert not errors, f"reviewer{number}'s page shows rows not saved: {errors}"
        assert await page.locator(".entry-status [data-state=saved]").count() == len(codes)
        await page.screenshot(path=str(shots / f"reviewer{number}-group{group}.png"), full_page=True)
        next_link = page.locator("#entry-next")
        if "/groups/" not in (await next_link.get_attribute("href") or ""):
            await next_link.click()                                 # "Done: back to the groups"
            await page.wait_for_load_state()
            await page.screenshot(path=str(shots / f"reviewer{number}-done.png"), full_page=True)
            return typed
        await next_link.click()
        await page.wait_for_load_state()
        await page.locator("[name=amount]:focus").wait_for()
        group += 1


async def five_at_once(url: str, shots: Path) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start, ready = asyncio.Event(), []
        walks = [asyncio.ensure_future(reviewer_walk(browser, url, n, start, ready, shots)) for n in range(1, 6)]
        while len(ready) < len(walks) and not any(walk.done() for walk in walks):
            await asyncio.sleep(0.05)
        start.set()
        try:
            return await asyncio.gather(*walks)
        finally:
            await browser.close()


def run_in_thread(coroutine):
    """The async walk in its own thread: pytest's thread may hold the sync API's loop (tests/e2e/conftest.py)."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 — re-raised in the test's thread
            result["error"] = exc
    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the five reviewers did not finish within 180 s"
    if "error" in result:
        raise result["error"]
    return result["value"]


def saved_entries(database: Path) -> dict:
    """{(username, household code): (amount, reasons, rating)} straight from the SQLite file."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT u.username, h.code, a.amount, a.withhold_reasons, a.rating FROM appraisal_appraisal a "
            "JOIN appraisal_panelmember m ON m.id = a.member_id JOIN appraisal_reviewer r ON r.id = m.reviewer_id "
            "JOIN auth_user u ON u.id = r.user_id JOIN households_household h ON h.id = a.household_id").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"                                            # the settings' WAL, not a test override
    return {(user, code): (None if amount is None else Decimal(str(amount)).quantize(Decimal(1)),
                           json.loads(reasons), rating)
            for user, code, amount, reasons, rating in rows}


def test_five_reviewers_save_at_once_on_phones_on_make_runs_sqlite(demo_server, tmp_path):
    url, database, log = demo_server
    shots = Path(os.environ.get("FIVE_REVIEWERS_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        typed = run_in_thread(five_at_once(url, shots))
    except Exception as exc:
        pytest.fail(f"{exc}\n--- the server's log ---\n{log.read_text()[-4000:]}")

    text = log.read_text()
    for bad in ("Traceback", "Internal Server Error", "database is locked", "OperationalError"):
        assert bad not in text, text[-3000:]
    statuses = [int(s) for line in text.splitlines() for s in STATUS.findall(line)]
    assert statuses and not [s for s in statuses if s >= 500], text[-3000:]
    saves = [int(s) for s in SAVE_LINE.findall(text)]
    expected = {(f"reviewer{n}", code): values for n, walk in enumerate(typed, start=1) for code, values in walk.items()}
    assert all(len(walk) >= 10 for walk in typed) and len({frozenset(w) for w in typed}) == 1  # the same round
    assert saves == [200] * len(expected), text[-3000:]                 # one save a row, none refused or stale
    assert saved_entries(database) == expected                        # nothing lost, every value as typed
