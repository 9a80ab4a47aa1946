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
        return postloan_daily(today=self.date_option(options, "date"))
