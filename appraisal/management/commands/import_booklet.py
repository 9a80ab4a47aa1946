from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from appraisal.imports import read_booklet
from appraisal.management.commands.export_booklet import find_panel
from appraisal.services.booklets import booklet_import_run
from sunshine_credit.commands import ImportCommand, Refused
from sunshine_credit.lib.excel import UploadRefused
from sunshine_credit.scoping import activate


class Command(ImportCommand):
    help = ("Import a filled appraisal booklet (评议册, .xlsx, one sheet per reviewer) into a panel whose round is "
            "open, as --user (the officer). All or nothing; re-importing the same file gives the same entries. "
            "Reports counts per seat, never the entries.")

    def add_import_arguments(self, parser):
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("village", help="village (appraisal unit) code")

    def read_sheet(self, path):
        try:
            return read_booklet(path.read_bytes())
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None

    def run(self, **options):
        path = self.input_path(options)
        scope, user = self.acting(options)
        if user is None:
            raise CommandError("name the officer with --user: the entries record who imported them")
        panel = find_panel(scope, options["campaign"], options["village"])
        book = self.read_sheet(path)
        try:
            with activate(scope):
                item = booklet_import_run(scope=scope, actor=user, panel=panel, name=path.name, book=book,
                                          dry_run=options["dry_run"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        return self.outcome({"import_id": item.pk, "campaign": panel.campaign.code, "village": panel.village.code,
                             "panel": panel.pk, "file": path.name, "sha256": item.sha256, "status": item.status,
                             "dry_run": options["dry_run"], "rows": item.rows_total, "summary": item.summary,
                             "errors": item.errors})

    def describe(self, payload):
        if payload.get("errors"):
            lines = [f"{e.get('sheet') or ''} 第{e['row']}行 {e['column']}: {e['message']}".strip()
                     for e in payload["errors"]]
            return "\n".join([payload.get("message") or "导入被拒绝，未写入任何数据："] + lines)
        if "summary" in payload:
            seats = "，".join(f"评议员{s['seat']} {s['rows']}行" for s in payload["summary"].get("seats", []))
            return f"{payload['status']}: {payload['rows']} 行；{seats}"
        return super().describe(payload)
