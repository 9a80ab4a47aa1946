"""County-scale benchmark of rendering notice boards (SPEC P1–P3) on PostgreSQL and Redis.

Villages of 200 households (500 for the default 100,000), each with a signed-off panel of 5 reviewers and its
decisions (about 95 % granted; 97 % of the households consent to publicity). Per board: --sample boards rendered
one at a time as their job renders them (`notice_render`: snapshot → HTML → PDF → SHA-256 → archived file),
interleaved with bare WeasyPrint of the same HTML (`HTML(string=…).write_pdf()`); medians, target ≤ 1.2×.
Whole campaign: `publish_campaign` of the other villages, the jobs going through Redis to one Celery worker of
--workers processes (prefork, as `make worker`), until the last board is archived, against the bare rendering
of as many boards spread perfectly over the workers.

    .venv/bin/python bench/boards.py [--households N] [--workers 2] [--sample 20]

Creates and drops its own database `sunshine_bench_boards` (BENCH_BOARDS_DATABASE_URL to change it), empties
and uses Redis database 9 (BENCH_BOARDS_REDIS_URL), and archives the PDFs in a temporary MEDIA_ROOT.
"""

import argparse
import contextlib
import datetime
import gc
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sunshine_bench_boards"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
PER_VILLAGE, PER_BRANCH, GROUPS, SEATS = 200, 30, 5, 5


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_villages(count: int):
    """bench.run's county (10 branches × 30 villages), cut or extended to `count` villages; branch contacts set."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from bench.run import make_org
    from sunshine_credit.models import Branch, Village

    office = make_org()
    Village.objects.filter(pk__in=list(Village.objects.order_by("code").values_list("pk", flat=True)[count:])).delete()
    while (missing := count - Village.objects.count()) > 0:
        code = f"B{Branch.objects.count() + 1:02d}"
        branch = Branch.objects.create(head_office=office, code=code, name=code, approval_authority=300000)
        Village.objects.bulk_create(Village(branch=branch, code=f"{code}V{v:02d}", name=f"{code}V{v:02d}村")
                                    for v in range(1, min(missing, PER_BRANCH) + 1))
    Branch.objects.update(name=Concat("code", Value("支行")), address=Concat(Value("城关镇人民路"), "code", Value("号")),
                          phone="0710-3216688", supervision_phone="0710-12345")
    return office, list(Village.objects.select_related("branch").order_by("code"))


def load(households: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from appraisal.models import Decision, Panel, PanelMember, Position, Reviewer
    from bench.roster import GIVEN, SURNAMES
    from households.models import Household, Member
    from sunshine_credit.lib.bulk import bulk_insert
    from sunshine_credit.models import Role, StaffProfile, VillageGroup
    from surveys.models import Campaign

    rng = random.Random(23)
    office, villages = make_villages(max(households // PER_VILLAGE, 1))
    officer = get_user_model().objects.create(username="officer")
    StaffProfile.objects.create(user=officer, role=Role.ADMIN, head_office=office)
    campaign = Campaign.objects.create(head_office=office, code="BENCH", name="2026年阳光信贷整村授信",
                                       reference_date=datetime.date(2026, 11, 1), created_by=officer)
    now = timezone.now()
    with transaction.atomic():
        groups = VillageGroup.objects.bulk_create(VillageGroup(village=v, name=f"{g}组")
                                                  for v in villages for g in range(1, GROUPS + 1))
        panels = Panel.objects.bulk_create(
            Panel(campaign=campaign, village=v, status=Panel.Status.SIGNED, unit_name=f"{v.name}评议小组",
                  opened_at=now, closed_at=now, closed_by=officer, signed_at=now, created_by=officer)
            for v in villages)
        reviewers = Reviewer.objects.bulk_create(Reviewer(head_office=office, branch=v.branch, name=f"评议员{i}",
                                                          kind="villager") for v in villages for i in range(SEATS))
        PanelMember.objects.bulk_create(
            PanelMember(panel=p, reviewer=reviewers[k * SEATS + i], seat=i + 1,
                        position=Position.LEADER if i == 0 else Position.MEMBER)
            for k, p in enumerate(panels) for i in range(SEATS))
        household_rows, member_rows, decision_rows = [], [], []
        for k, (village, panel) in enumerate(zip(villages, panels, strict=True)):
            for i in range(1, PER_VILLAGE + 1):
                h = k * PER_VILLAGE + i
                group = groups[k * GROUPS + rng.randrange(GROUPS)]
                household_rows.append((h, office.id, village.id, group.id, f"{village.code}-{i:03d}", "farmer",
                                       "archived", "", "", 1, now, now, f"{village.name}{group.name}{i}号", "", None,
                                       rng.random() < 0.97, h))
                birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 21000))
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)  # 王小明 → 王*明 on the board
                member_rows.append((h, office.id, h, name, f"X{h:017d}", "户主", "M", birth, False, ""))
                amount = Decimal(rng.randrange(10, 300) * 1000) if rng.random() < 0.95 else None
                status = "granted" if amount else "withheld"
                decision_rows.append((campaign.id, panel.id, h, status, amount, "{}", "[]", 1, "[]", "[]", False,
                                      status, amount, "", officer.id, now, "", 1))
        bulk_insert(Household, ["id", "head_office", "village", "group", "code", "category", "archive_status",
                                "exclusion", "exclusion_note", "version", "created_at", "updated_at", "address",
                                "phone", "land_area", "publicity_consent", "representative"], household_rows)
        bulk_insert(Member, ["id", "head_office", "household", "name", "id_number", "relation", "sex", "birth_date",
                             "works_away", "phone"], member_rows)
        bulk_insert(Decision, ["campaign", "panel", "household", "computed_status", "computed_amount", "reasons",
                               "inputs", "rating", "ratings", "precheck_flags", "override_approved", "status",
                               "amount", "change_reason", "decided_by", "decided_at", "escalation", "version"],
                    decision_rows)
    with connection.cursor() as cur:
        for table in ("households_household", "households_member"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("VACUUM ANALYZE")
    return campaign, officer, panels


def bare_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def per_board(scope, officer, panels) -> dict:
    """Publish the sample boards without sending their jobs, then render each as the job does, and bare."""
    from unittest import mock

    from django_scopes import scopes_disabled

    from publicity.models import Notice
    from publicity.services import board_html, board_pdf, notice_render, publish_precredit
    from sunshine_credit.scoping import activate

    with mock.patch("publicity.services.notice_render_enqueue"), activate(scope):
        notices = [publish_precredit(scope=scope, actor=officer, panel_id=p.pk) for p in panels]
    board_pdf(notices[0].snapshot)  # warm-up: WeasyPrint, Pango and the CJK fonts load once per process
    bare_pdf(board_html(notices[0].snapshot))
    times = {"app": [], "bare": [], "html": []}
    for n, notice in enumerate(notices):
        html_s, html = timed(partial(board_html, notice.snapshot))
        times["html"].append(html_s)
        runs = [("app", partial(notice_render, notice.pk)), ("bare", partial(bare_pdf, html))]
        for name, run in runs if n % 2 == 0 else runs[::-1]:
            gc.collect()  # each run starts from the same heap: a full collection lands in neither by chance
            seconds, result = timed(run)
            times[name].append(seconds)
            assert result, f"notice {notice.pk} was not rendered"
    with scopes_disabled():
        rendered = list(Notice.objects.filter(pk__in=[n.pk for n in notices], status=Notice.Status.PUBLISHED)
                        .values_list("pages", "size"))
    assert len(rendered) == len(notices), rendered
    app, bare, html_s = (statistics.median(times[k]) for k in ("app", "bare", "html"))
    return {"per_board_app_s": round(app, 3), "per_board_bare_s": round(bare, 3), "ratio_app_vs_bare":
            round(app / bare, 3), "html_s": round(html_s, 3), "pages": statistics.median(p for p, _ in rendered),
            "pdf_kb": round(statistics.median(s for _, s in rendered) / 1024),
            "rows_per_board": statistics.median(n.snapshot["count"] for n in notices)}


@contextlib.contextmanager
def celery_worker(workers: int, redis_url: str, log: Path):
    """One Celery worker of `workers` prefork processes on the bench database and Redis, once it answers."""
    from sunshine_credit.celery import app

    name = f"bench-boards-{os.getpid()}@{socket.gethostname()}"
    env = {**os.environ, "REDIS_URL": redis_url}  # DATABASE_URL and MEDIA_ROOT are the bench's already
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sunshine_credit", "worker", "-P", "prefork", "--concurrency",
             str(workers), "-n", name, "--without-mingle", "--without-gossip", "-l", "WARNING"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the Celery worker did not start; its log:\n{log.read_text()[-3000:]}")
        yield worker
    finally:
        worker.terminate()  # warm shutdown
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def whole_campaign(scope, officer, campaign, workers: int, redis_url: str, log: Path, bare_s: float) -> dict:
    """publish_campaign of every village left, rendered by the worker, until the last board is archived."""
    import redis
    from django.db.models import Count, Max, Min
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from publicity.models import Notice
    from publicity.services import publish_campaign
    from sunshine_credit.celery import app
    from sunshine_credit.models import Job
    from sunshine_credit.scoping import activate

    redis.Redis.from_url(redis_url).flushdb()
    # bench.limits.setup drops REDIS_URL before django.setup (jobs inline): from here on they go to the broker.
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    with celery_worker(workers, redis_url, log) as worker:
        started = timezone.now()
        with activate(scope):
            publish_s, result = timed(lambda: publish_campaign(scope=scope, actor=officer, campaign_id=campaign.pk))
        ids = [n.pk for n in result["published"]]
        assert ids and not result["refused"], result["refused"][:3]
        deadline = time.monotonic() + 300 + 10 * len(ids) / workers
        with scopes_disabled():
            while True:
                counts = dict(Notice.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("id")))
                if counts.get(Notice.Status.FAILED) or worker.poll() is not None or time.monotonic() > deadline:
                    errors = list(Job.objects.exclude(error="").values_list("error", flat=True)[:3])
                    sys.exit(f"boards not rendered: {counts}, worker exit {worker.poll()}, errors {errors}; "
                             f"worker log:\n{log.read_text()[-3000:]}")
                if counts.get(Notice.Status.PUBLISHED, 0) == len(ids):
                    break
                time.sleep(0.5)
            ends = Notice.objects.filter(pk__in=ids).aggregate(first=Min("rendered_at"), last=Max("rendered_at"))
            jobs = Job.objects.filter(pk__in=Notice.objects.filter(pk__in=ids).values("job_id"))
            job_s = statistics.median((f - s).total_seconds() for s, f in jobs.values_list("started_at", "finished_at"))
    total_s = (ends["last"] - started).total_seconds()
    return {"workers": workers, "boards": len(ids), "publish_s": round(publish_s, 2),
            "per_board_worker_s": round(job_s, 3), "first_board_s": round((ends["first"] - started).total_seconds(), 2),
            "total_s": round(total_s, 2), "boards_per_s": round(len(ids) / total_s, 2),
            "ratio_total_vs_ideal": round(total_s / (len(ids) * bare_s / workers), 3)}


def bench(households: int, workers: int, sample: int, redis_url: str, media: Path) -> dict:
    from sunshine_credit.scoping import scope_for_user

    load_s, (campaign, officer, panels) = timed(lambda: load(households))
    scope, sample = scope_for_user(officer), max(1, min(sample, len(panels) - 1))  # the rest: the campaign's
    result = {"villages": len(panels), "households": len(panels) * PER_VILLAGE, "load_s": round(load_s, 2),
              "sample": sample, **per_board(scope, officer, panels[:sample])}
    if len(panels) > sample:
        result |= whole_campaign(scope, officer, campaign, workers, redis_url, media / "worker.log",
                                 result["per_board_bare_s"])
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000, help=f"{PER_VILLAGE} to a village")
    parser.add_argument("--workers", type=int, default=2, help="worker processes rendering the campaign's boards")
    parser.add_argument("--sample", type=int, default=20, help="boards timed one by one against bare WeasyPrint")
    parser.add_argument("--keep", action="store_true", help="keep the database and the PDFs afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_BOARDS_DATABASE_URL", DEFAULT_URL)
    redis_url = os.environ.get("BENCH_BOARDS_REDIS_URL", DEFAULT_REDIS_URL)
    media = Path(tempfile.mkdtemp(prefix="bench-boards-"))
    os.environ["MEDIA_ROOT"] = str(media)  # the archived PDFs, for this process and the worker
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not WeasyPrint's 13 progress lines (INFO) per board
    from bench.limits import drop, setup

    setup(url)
    try:
        result = bench(args.households, args.workers, args.sample, redis_url, media)
    finally:
        if not args.keep:
            drop(url)
            shutil.rmtree(media, ignore_errors=True)
    print(json.dumps({"bench": "boards", **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
