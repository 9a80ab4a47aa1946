from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from sunshine_credit.backups import MANIFEST, BackupRefused, backup_restore
from sunshine_credit.commands import BatchCommand, Refused


class Command(BatchCommand):
    help = ("Restore a backup made by `backup` into an empty database (DATABASE_URL) and MEDIA_ROOT. The backup is "
            "checked against its manifest first (any difference: refused, nothing written); then the row counts "
            "and every stored file's SHA-256 are checked (exit status 1 when any differs). Stop the site first.")
    acts_as_user = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("source", metavar="DIR", help="the backup directory")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that has tables and overwrite files under MEDIA_ROOT")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def run(self, **options):
        source = Path(options["source"]).absolute()
        if not (source / MANIFEST).is_file():
            raise CommandError(f"not a backup directory (no {MANIFEST}): {source}")
        try:
            result = backup_restore(source=source, force=options["force"], using=options["database"])
        except BackupRefused as exc:
            raise Refused({"code": exc.code, "message": str(exc), "problems": exc.problems}) from None
        if not result["verified"]:
            # Written, but not what was backed up: exit status 1, with every difference listed.
            raise Refused({"code": "check_failed", "message": _("Restored, but the check found differences (listed)."),
                           **result})
        return result
