"""Issue 18 item 2: staff of mixed roles against the production stack on the county of bench/loadtest/prepare.py.

    locust -f bench/loadtest/locustfile.py --headless --users 50 --spawn-rate 10 --run-time 5m \
           --host http://127.0.0.1:8000           (bench/loadtest/run.py does this, with the stack around it)

Users (weights): Officer 12 (their own villages' household list, searches by exact ID number, by name and by household
code, household pages, the survey grid and its row saves), Reviewer 3 (their seat, the reviewer grid and its row
saves), President 3 (approvals inbox, the branch's household list, the drawdown list, their home page), Supervisor 2
(the dashboard "/", /overview/ and a branch's page, a search by ID number).

Requests are named "<kind> · <page>": the kinds are list, search, detail, dashboard, grid page, grid save,
reviewer page, reviewer save, approvals. Every request's time goes to LOADTEST_LOG (JSON lines, for run.py's
percentiles per kind). Each save writes a row not written before in this run (version 0 → a new questionnaire or
entry) or, when a seat's or officer's rows are all written, the next version of one (it keeps the versions the
server answered), so that after the run sum(version) over the load test's rows = saves answered OK.

As nginx would, every request says X-Forwarded-Proto: https (the app redirects plain http otherwise); the session
and CSRF cookies are Secure, so the client is told to send them back over the loopback's plain http.
"""

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

DATA = json.loads(Path(os.environ.get("LOADTEST_DATA", Path(__file__).resolve().parents[1] / "out"
                                      / "loadtest-data.json")).read_text())
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Loadtest-2026-pass")
WAIT = [float(x) for x in os.environ.get("LOADTEST_WAIT", "0.2,0.8").split(",")]
LOG_PATH = os.environ.get("LOADTEST_LOG", "")
# What-if runs: request names left out (their tasks do nothing), e.g. LOADTEST_EXCLUDE="dashboard · home".
EXCLUDE = {n.strip() for n in os.environ.get("LOADTEST_EXCLUDE", "").split(",") if n.strip()}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_log, _log_lock = [], threading.Lock()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, context=None,
            **kwargs):
    status = getattr(response, "status_code", 0) if response is not None else 0
    _log.append((round(time.time(), 3), name, round(response_time, 2), status, exception is None))


_spawned = []


@events.spawning_complete.add_listener
def _spawned_at(user_count, **kwargs):
    """The measure starts when every user is logged in (a login hashes the password: seconds of CPU at the start)."""
    _spawned.append(time.time())


@events.quitting.add_listener
def _dump(environment, **kwargs):
    if LOG_PATH:
        with open(LOG_PATH, "w") as f:
            f.write(json.dumps({"spawned": _spawned[0] if _spawned else None}) + "\n")
            for row in _log:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


# --- the rows each save writes ---------------------------------------------------------------------------------
# One source per officer account (shared by the locust users logged in as it) and per reviewer seat: every save takes
# the next (household, respondent) or household not saved yet, then cycles over the saved ones at their last version.

class Rows:
    def __init__(self, keys):
        self.fresh = iter(keys)
        self.keys = list(keys)
        self.version = {}
        self.busy = set()
        self.cycle = None

    def take(self):
        for key in self.fresh:
            self.busy.add(key)
            return key, 0
        if self.cycle is None:
            self.cycle = itertools.cycle(self.keys)
        for _ in range(len(self.keys)):
            key = next(self.cycle)
            if key not in self.busy and key in self.version:
                self.busy.add(key)
                return key, self.version[key]
        return None, None

    def done(self, key, version):
        self.busy.discard(key)
        if version is not None:
            self.version[key] = version


_rows = {}


def rows_of(name, keys_fn):
    if name not in _rows:
        _rows[name] = Rows(keys_fn())
    return _rows[name]


def _accounts(items):
    """Locust users take the accounts of a role in turn."""
    counter = itertools.count()
    return lambda: items[next(counter) % len(items)]


class _Skipped:
    text = ""


class Staff(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""
    search_page = "/households/"

    def on_start(self):
        self.headers = {"X-Forwarded-Proto": "https", "X-Real-IP": "127.0.0.1"}
        origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.post_headers = {**self.headers, "Origin": origin, "Referer": origin + "/"}
        self.login()

    def _unsecure(self):
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def get(self, path, name, **kwargs):
        if name in EXCLUDE:
            return _Skipped()
        with self.client.get(path, name=name, headers=self.headers, catch_response=True, **kwargs) as response:
            self._unsecure()
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif response.url and "/login/" in response.url:
                response.failure("logged out")
            return response

    def token(self, response) -> str:
        match = TOKEN.search(response.text or "")
        return match.group(1) if match else ""

    def login(self):
        page = self.client.get("/login/", name="login", headers=self.headers)
        self._unsecure()
        with self.client.post("/login/", name="login", headers=self.post_headers, catch_response=True,
                              allow_redirects=False, data={"username": self.username, "password": PASSWORD,
                                                           "csrfmiddlewaretoken": self.token(page)}) as response:
            self._unsecure()
            if response.status_code != 302 or "/login/" in (response.headers.get("Location") or ""):
                response.failure(f"login refused ({response.status_code})")
                raise StopUser()

    def search(self, term, name):
        """The list's search box: POST (the term waits in the session, out of the URL: R5), then the redirect's GET
        that searches ("search box · …" and "search · …")."""
        if not getattr(self, "_list_token", ""):
            self._list_token = self.token(self.get(self.search_page, "list · search page"))
        with self.client.post("/households/", name=name.replace("search", "search box", 1),
                              headers=self.post_headers, catch_response=True, allow_redirects=False,
                              data={"q": term, "csrfmiddlewaretoken": self._list_token}) as response:
            self._unsecure()
            location = response.headers.get("Location") or ""
            if response.status_code != 302 or "/login/" in location:
                response.failure(f"{response.status_code} {location}")
                return
        self.get(location, name)

    def save(self, path, body, name):
        """A grid row's save as entry_grid.js sends it: JSON, the page's CSRF token in X-CSRFToken."""
        headers = {**self.post_headers, "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": self.grid_token}
        with self.client.post(path, name=name, data=json.dumps(body), headers=headers,
                              catch_response=True) as response:
            self._unsecure()
            if response.status_code != 200:
                response.failure(f"{response.status_code} {(response.text or '')[:120]}")
                return None
            try:
                return response.json()["version"]
            except (ValueError, KeyError):
                response.failure("no version in the answer")
                return None


OFFICERS = _accounts(DATA["officers"])
REVIEWERS = _accounts(DATA["reviewers"])
PRESIDENTS = _accounts(DATA["presidents"])


class Officer(Staff):
    weight = 12

    def on_start(self):
        self.account = OFFICERS()
        self.username = self.account["username"]
        villages = self.account["villages"]
        campaign = DATA["campaign"]
        self.rows = rows_of(self.username, lambda: [(v["village"], r, h) for v in villages for r in v["respondents"]
                                                    for h in v["households"]])
        self.group_of = {int(h): g for v in villages for h, g in v["group_of"].items()}
        self.campaign = campaign
        super().on_start()

    def village(self):
        return random.choice(self.account["villages"])

    @task(4)
    def village_list(self):
        v = self.village()
        page = random.choice((1, 1, 1, 2, 3))
        self.get(f"/households/?village={v['village']}" + (f"&page={page}" if page > 1 else ""), "list · village")

    @task(2)
    def search_id(self):
        self.search(random.choice(self.village()["search"])[2], "search · ID number")

    @task(1)
    def search_name(self):
        self.search(random.choice(self.village()["search"])[1], "search · name")

    @task(1)
    def search_code(self):
        self.search(random.choice(self.village()["search"])[0], "search · household code")

    @task(4)
    def household(self):
        self.get(f"/households/{random.choice(self.village()['households'])}/", "detail · household")

    @task(8)
    def survey_grid(self):
        """Open a group's grid for a respondent, then save a few of its rows in turn (the cursor leaving a row)."""
        key, version = self.rows.take()
        if key is None:
            return
        village, respondent, household = key
        group = self.group_of[household]
        page = self.get(f"/surveys/entry/{self.campaign}/{village}/{group}/{respondent}/", "grid page · survey")
        self.grid_token = self.token(page)
        path = f"/surveys/entry/{self.campaign}/{village}/respondents/{respondent}/save/"
        for n in range(random.randint(3, 6)):
            if n:
                key, version = self.rows.take()
                if key is None:
                    return
                village, respondent, household = key
                path = f"/surveys/entry/{self.campaign}/{village}/respondents/{respondent}/save/"
                time.sleep(random.uniform(*WAIT))
            amount = 10000 + (household * 7 + respondent + version) % 290 * 1000  # a value of this row and version
            saved = self.save(path, {"household": household, "version": version, "business_codes": "1",
                                     "members_away": "否", "total_assets": str(amount * 3),
                                     "total_liabilities": "20000", "net_income": str(amount + 5000),
                                     "amount": str(amount), "withhold_reasons": "", "representative": ""},
                              "grid save")
            self.rows.done(key, saved)


class Reviewer(Staff):
    weight = 3

    def on_start(self):
        self.account = REVIEWERS()
        self.username = self.account["username"]
        self.panel = self.account["panel"]
        self.rows = rows_of(self.username, lambda: list(self.account["households"]))
        super().on_start()

    @task(1)
    def seat(self):
        self.get(f"/appraisal/my/{self.panel}/", "reviewer page · seat")

    @task(6)
    def grid(self):
        """Open the grid of the next household's group, then save a few rows in turn."""
        household, version = self.rows.take()
        if household is None:
            return
        group = self.account["group_of"][str(household)]
        page = self.get(f"/appraisal/my/{self.panel}/groups/{group}/", "grid page · reviewer")
        self.grid_token = self.token(page)
        for n in range(random.randint(3, 6)):
            if n:
                time.sleep(random.uniform(*WAIT))
                household, version = self.rows.take()
                if household is None:
                    return
            amount = 10000 + (household * 13 + version) % 290 * 1000
            saved = self.save(f"/appraisal/my/{self.panel}/save/", {
                "household": household, "version": version, "amount": str(amount), "withhold_reasons": "",
                "rating": str(1 + (household + version) % 4)}, "reviewer save")
            self.rows.done(household, saved)


class President(Staff):
    weight = 3

    def on_start(self):
        self.account = PRESIDENTS()
        self.username = self.account["username"]
        super().on_start()

    @task(4)
    def approvals(self):
        self.get("/approvals/", "approvals · inbox")

    @task(3)
    def branch_list(self):
        page = random.choice((1, 1, 2, 5))
        self.get("/households/" + (f"?page={page}" if page > 1 else ""), "list · branch")

    @task(3)
    def drawdowns(self):
        self.get("/lines/drawdowns/", "list · drawdowns")

    @task(1)
    def home(self):
        self.get("/", "dashboard · home")


class Supervisor(Staff):
    weight = 2
    username = DATA["supervisor"]

    @task(3)
    def home(self):
        self.get("/", "dashboard · home")

    @task(3)
    def overview(self):
        self.get("/overview/", "dashboard · overview")

    @task(2)
    def branch(self):
        self.get(f"/overview/branches/{random.choice(DATA['branches'])}/", "dashboard · branch")

    @task(2)
    def search_id(self):
        self.search(random.choice(DATA["county_search"])[2], "search · ID number")
