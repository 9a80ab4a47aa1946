from pathlib import Path

from django.core.management.base import CommandError

from sunshine_credit.backups import BackupRefused, backup_create
from sunshine_credit.commands import BatchCommand, Refused


class Command(BatchCommand):
    help = ("Back up the database (PostgreSQL: pg_dump -Fc; SQLite: a copy by its backup API) and every file under "
            "MEDIA_ROOT into a new directory, with manifest.json (SHA-256 and size of every file, row counts, "
            "version) and SHA256SUMS. Also checks every stored file against the hash its row keeps (boards …).")
    acts_as_user = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--out", required=True, help="a new (or empty) directory")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def run(self, **options):
        out = Path(options["out"]).absolute()
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"--out must be a new or empty directory: {out}")
        if not out.parent.is_dir():
            raise CommandError(f"no such directory: {out.parent}")
        try:
            return backup_create(out=out, using=options["database"])
        except BackupRefused as exc:
            raise Refused({"code": exc.code, "message": str(exc), "problems": exc.problems}) from None
