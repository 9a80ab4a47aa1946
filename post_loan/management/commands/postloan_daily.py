import datetime

from django.core.management.base import CommandError

from post_loan.services.daily import postloan_daily
from sunshine_credit.commands import BatchCommand


class Command(BatchCommand):
    help = ("C1–C7: the post-loan daily job (visit schedule, reminders, collection cases, letters, instalments, "
            "risk classification, blacklist erase dates), as Celery beat runs it at 02:15. Idempotent per day; "
            "--date runs it as of another day (YYYY-MM-DD).")
    acts_as_user = False  # a system job over every head office

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--date", help="the day to run as, YYYY-MM-DD (default: today)")

    def run(self, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be a date YYYY-MM-DD, not {options['date']!r}") from None
        return postloan_daily(today=today)
