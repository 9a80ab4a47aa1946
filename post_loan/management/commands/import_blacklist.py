from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from post_loan.services.blacklist import BlacklistImportRefused, blacklist_import
from sunshine_credit.commands import ImportCommand, Refused
from sunshine_credit.lib.excel import UploadRefused
from sunshine_credit.scoping import activate


class Command(ImportCommand):
    help = ("C4: import blacklist entries (.xlsx: 姓名, 身份证号, 原因, 来源, 证据) as the head office's administrator "
            "(--user, or the system with --head-office). All or nothing: any refused row writes nothing, and every "
            "error is reported by row and column; an ID number twice in the file or already on the list is refused.")

    def run(self, **options):
        path = self.input_path(options)
        scope, user = self.acting(options)
        try:
            with activate(scope):
                item = blacklist_import(scope=scope, actor=user, name=path.name, data=path.read_bytes(),
                                        dry_run=options["dry_run"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None
        except BlacklistImportRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": exc.rows}) from None
        return {"import_id": item.pk, "file": path.name, "sha256": item.sha256, "status": item.status,
                "dry_run": options["dry_run"], "rows": item.rows_total, "errors": []}
