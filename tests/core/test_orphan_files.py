"""Issue 18: the sweep of files no row names (a worker killed between writing a generated file or a notice board and
committing its row): a named file is never removed, whatever its age; an unnamed one only once older than
ORPHAN_FILE_MIN_AGE_SECONDS (a file being written now is never touched); a second run removes nothing more."""

import json
import os
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django_scopes import scopes_disabled

from publicity.models import Notice
from sunshine_credit.models import GeneratedFile
from sunshine_credit.orphans import orphan_files_sweep
from sunshine_credit.tasks import sweep_orphan_files
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db
NOW = time.time()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ORPHAN_FILE_MIN_AGE_SECONDS = 3600
    return tmp_path


def put(media, name: str, age: float) -> str:
    """A file `name` under MEDIA_ROOT last written `age` seconds before NOW."""
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 " + name.encode())
    os.utime(path, (NOW - age, NOW - age))
    return name


@pytest.fixture
def files(media, county):
    """Named and unnamed files, old and young, in both swept directories and one outside them."""
    day = 24 * 3600
    names = {
        "generated_named": put(media, "generated/2026/11/named.pdf", 30 * day),
        "notice_named": put(media, "notices/2026/11/notice-precredit-1-1.pdf", 30 * day),
        "generated_orphan": put(media, "generated/2026/11/orphan.pdf", 2 * day),
        "notice_orphan": put(media, "notices/2026/11/notice-precredit-1-2.pdf", 3600 + 5),
        "just_old": put(media, "generated/2026/12/just-old.xlsx", 3600 + 5),
        "just_young": put(media, "generated/2026/12/just-young.xlsx", 3600 - 5),
        "being_written": put(media, "notices/2026/12/being-written.pdf", 0),
        "upload": put(media, "rosters/2026/11/roster.xlsx", 30 * day),  # not swept: an import's own file
    }
    make_notice_world(county)
    with scopes_disabled():
        GeneratedFile.objects.create(head_office=county.head_office, kind="probe", title="t", file_name="named.pdf",
                                     content_type="application/pdf", status=GeneratedFile.Status.DONE,
                                     file=names["generated_named"], created_by=county.pat)
        Notice.objects.filter(pk=county.notice.pk).update(file=names["notice_named"])
    return names


def present(media, names: dict) -> set[str]:
    return {key for key, name in names.items() if (media / name).exists()}


def test_only_old_files_no_row_names_are_removed(media, files):
    result = orphan_files_sweep(now=NOW)
    assert present(media, files) == {"generated_named", "notice_named", "just_young", "being_written", "upload"}
    assert result["names"] == sorted([files["generated_orphan"], files["notice_orphan"], files["just_old"]])
    assert (result["removed"], result["referenced"]) == (3, 2)


def test_the_age_boundary_follows_the_setting(media, files, settings):
    settings.ORPHAN_FILE_MIN_AGE_SECONDS = 3 * 24 * 3600  # now even the two-day-old orphan is too young
    assert orphan_files_sweep(now=NOW)["removed"] == 0
    assert present(media, files) == set(files)


def test_a_named_file_stays_however_old(media, files):
    orphan_files_sweep(now=NOW + 10 * 365 * 24 * 3600)  # ten years on: everything is old
    assert {"generated_named", "notice_named", "upload"} <= present(media, files)
    assert not {"just_young", "being_written"} & present(media, files)


def test_a_second_run_removes_nothing_more(media, files):
    first = orphan_files_sweep(now=NOW)
    second = orphan_files_sweep(now=NOW)
    assert first["removed"] == 3 and second["removed"] == 0 and second["names"] == []
    assert present(media, files) == {"generated_named", "notice_named", "just_young", "being_written", "upload"}


def test_dry_run_removes_nothing(media, files):
    assert orphan_files_sweep(now=NOW, dry_run=True)["removed"] == 3
    assert present(media, files) == set(files)


def test_no_swept_directory_at_all(media):
    assert orphan_files_sweep()["removed"] == 0


def test_the_beat_task_and_the_command(media, files):
    """Both use the clock (NOW was a moment ago: the young file is made younger, so that a slow run cannot age it)."""
    young = time.time() - 3000
    os.utime(media / files["just_young"], (young, young))
    assert "sweep-orphan-files" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["sweep-orphan-files"]["task"] == sweep_orphan_files.name
    out = StringIO()
    call_command("sweep_orphan_files", "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue())["removed"] == 3 and present(media, files) == set(files)
    assert sweep_orphan_files.delay().get()["removed"] == 3
    assert present(media, files) == {"generated_named", "notice_named", "just_young", "being_written", "upload"}
