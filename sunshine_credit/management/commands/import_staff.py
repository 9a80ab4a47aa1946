from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from sunshine_credit.commands import ImportCommand, Refused
from sunshine_credit.lib.excel import UploadRefused
from sunshine_credit.scoping import activate
from sunshine_credit.staff.services import StaffImportRefused, staff_import


class Command(ImportCommand):
    help = ("SPEC §1/§11: make staff logins from a workbook (.xlsx: 用户名, 姓名, 角色, 支行编码, 包片村编码, 手机) as the "
            "head office's administrator (--user, or the system with --head-office). All or nothing: any refused "
            "row writes nothing, and every error is reported by row and column; an existing user name is refused "
            "(an import makes new logins only). Each new login gets a one-time password, printed once in the "
            "result (\"logins\": user name and password) and stored nowhere: hand them over, and each person "
            "chooses their own password at their first login. --dry-run checks and prints no password.")

    def run(self, **options):
        path = self.input_path(options)
        scope, user = self.acting(options)
        try:
            with activate(scope):
                item, logins = staff_import(scope=scope, actor=user, name=path.name, data=path.read_bytes(),
                                            dry_run=options["dry_run"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except UploadRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": []}) from None
        except StaffImportRefused as exc:
            raise Refused({"file": path.name, "message": str(exc), "errors": exc.rows}) from None
        return {"import_id": item.pk, "file": path.name, "sha256": item.sha256, "status": item.status,
                "dry_run": options["dry_run"], "rows": item.rows_total, "logins": logins, "errors": []}
