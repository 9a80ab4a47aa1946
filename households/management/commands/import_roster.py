from pathlib import Path

from django.core.management.base import CommandError

from households.services import roster_import_run
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.excel import UploadRefused, open_upload
from sunshine_credit.scoping import activate


class Command(BatchCommand):
    help = "Import a police-roll roster (.xlsx, SPEC §11 template). All or nothing; re-importing changes nothing."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def run(self, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        scope, user = self.acting(options)
        try:
            sheet = open_upload(path.read_bytes())
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None
        with activate(scope):
            item = roster_import_run(scope=scope, actor=user, name=path.name, sheet=sheet,
                                     dry_run=options["dry_run"])
        result = {"import_id": item.pk, "file": path.name, "sha256": item.sha256, "status": item.status,
                  "dry_run": options["dry_run"], "rows": item.rows_total, "summary": item.summary,
                  "errors": item.errors, "blacklist_hits": item.blacklist_hits}
        if item.errors:
            raise Refused(result)
        return result

    def describe(self, payload):
        if payload.get("errors"):
            lines = [f"第{e['row']}行 {e['column']}: {e['message']}" for e in payload["errors"]]
            return "\n".join([payload.get("message") or "导入被拒绝，未写入任何数据："] + lines)
        return super().describe(payload)
