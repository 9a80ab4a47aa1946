"""The batch interface of SPEC §11: `--json` prints exactly one JSON object on stdout;
exit status 0 on success, 1 when the input was refused (nothing written), 2 on usage errors.

Commands act as a user (`--user`, whose scope they re-enter, R1) or, without one, as the system
with an administrator's scope over the head office (`--head-office`, needed only when there are several).
"""

import datetime
import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from .errors import Refusal
from .lib.excel import UploadRefused, open_upload
from .models import HeadOffice, Role, StaffProfile
from .scoping import Scope, scope_for_user

REFUSED = 1
USAGE = 2


class Refused(Refusal):
    """The input was refused (nothing written); `payload` is reported as the JSON result."""

    def __init__(self, payload: dict):
        super().__init__(payload.get("message", ""))
        self.payload = payload


class BatchCommand(BaseCommand):
    acts_as_user = True

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        if self.acts_as_user:
            parser.add_argument("--user", help="act as this user, within their scope")
            parser.add_argument("--head-office", help="head office code, when acting as the system")

    def handle(self, *args, **options):
        self.as_json = options["json"]
        try:
            result = self.run(**options)
        except Refused as exc:
            self.report({"ok": False, **exc.payload})
            sys.exit(REFUSED)
        except CommandError as exc:
            if self.as_json:
                self.stdout.write(json.dumps({"ok": False, "error": str(exc)}, ensure_ascii=False))
                sys.exit(USAGE)
            raise CommandError(str(exc), returncode=USAGE) from None
        self.report({"ok": True, **result})

    def report(self, payload: dict) -> None:
        if self.as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str))
        else:
            self.stdout.write(self.describe(payload))

    def describe(self, payload: dict) -> str:
        return json.dumps(payload, ensure_ascii=False, indent=2, default=str)

    @staticmethod
    def out_path(options, suffix: str) -> Path:
        """--out as a path with the given suffix (".xlsx", ".pdf") in an existing directory, or a usage error."""
        out = Path(options["out"])
        if out.suffix.lower() != suffix:
            raise CommandError(f"--out must name a {suffix} file")
        if not out.parent.is_dir():
            raise CommandError(f"no such directory: {out.parent}")
        return out

    @staticmethod
    def write_whole(out: Path, write):
        """`write(path)` into a part file renamed to `out` at the end: never a half-written file under its name."""
        tmp = out.with_name(out.name + ".part")
        result = write(tmp)
        tmp.replace(out)
        return result

    def acting(self, options) -> tuple[Scope, object]:
        """The scope and user this command acts as."""
        with scopes_disabled():
            if options.get("user"):
                user = get_user_model().objects.filter(username=options["user"]).first()
                if user is None or not hasattr(user, "staff_profile"):
                    raise CommandError(f"unknown user or user without a staff profile: {options['user']}")
                return scope_for_user(user), user
            offices = HeadOffice.objects.all()
            if options.get("head_office"):
                offices = offices.filter(code=options["head_office"])
            offices = list(offices[:2])
            if len(offices) != 1:
                raise CommandError("name the head office with --head-office (or a user with --user)")
            profile = StaffProfile(role=Role.ADMIN, head_office=offices[0])
            from .scoping import scope_for_profile
            return scope_for_profile(profile), None

    @staticmethod
    def date_option(options, name: str):
        """The day option `--<name>` gives (YYYY-MM-DD), or None when it is not given; a usage error otherwise."""
        value = options.get(name)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--{name} must be a date YYYY-MM-DD, not {value!r}") from None

    def run(self, **options) -> dict:
        raise NotImplementedError


class ImportCommand(BatchCommand):
    """A file import (roster, questionnaires): a workbook argument and --dry-run; all or nothing,
    refused with every row's errors."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.add_import_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def add_import_arguments(self, parser) -> None:
        """The arguments before the file."""

    def input_path(self, options) -> Path:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        return path

    def read_sheet(self, path: Path):
        try:
            return open_upload(path.read_bytes())
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None

    def outcome(self, result: dict) -> dict:
        """Refused (exit status 1) if the import found errors, else the result."""
        if result["errors"]:
            raise Refused(result)
        return result

    def describe(self, payload):
        if payload.get("errors"):
            lines = [f"第{e['row']}行 {e['column']}: {e['message']}" for e in payload["errors"]]
            return "\n".join([payload.get("message") or "导入被拒绝，未写入任何数据："] + lines)
        return super().describe(payload)
