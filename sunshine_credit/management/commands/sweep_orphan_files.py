from sunshine_credit.commands import BatchCommand
from sunshine_credit.orphans import orphan_files_sweep


class Command(BatchCommand):
    help = ("Remove the generated files and notice boards (MEDIA_ROOT/generated, MEDIA_ROOT/notices) that no row names "
            "and that are older than ORPHAN_FILE_MIN_AGE_SECONDS: what a worker killed between writing a file and "
            "committing its row leaves behind. A file a row names is never removed. Celery beat does this every hour; "
            "--dry-run lists what would go.")
    acts_as_user = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="list the orphan files, remove nothing")

    def run(self, **options):
        return orphan_files_sweep(dry_run=options["dry_run"])
