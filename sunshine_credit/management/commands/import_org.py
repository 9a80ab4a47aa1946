from pathlib import Path

from django.core.management.base import CommandError

from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.imports import org_apply, org_validate
from sunshine_credit.lib.excel import UploadRefused, open_upload


class Command(BatchCommand):
    help = "Import the organisation tree (.xlsx, SPEC §11): head office, branches, villages. Idempotent."
    acts_as_user = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")

    def run(self, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            sheet = open_upload(path.read_bytes())
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None
        units, errors = org_validate(sheet.rows)
        if errors:
            raise Refused({"file": path.name, "errors": errors})
        counts = {} if options["dry_run"] else org_apply(units)
        return {"file": path.name, "sha256": sheet.sha256, "dry_run": options["dry_run"], "units": len(units),
                "written": counts}
