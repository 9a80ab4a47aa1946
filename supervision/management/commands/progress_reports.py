from sunshine_credit.commands import BatchCommand

from ...services.progress import progress_reports_due


class Command(BatchCommand):
    help = ("V1: each branch's ten-day progress report (旬报) of the period that ended before today (or --date), for "
            "its head office's current campaign, as Celery beat makes them at 06:30 on the 1st, 11th and 21st. A "
            "report of a branch, campaign and period is made once: a second run makes none.")
    acts_as_user = False  # a system job over every head office

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--date", help="run as of this day, YYYY-MM-DD (default: today)")

    def run(self, **options):
        return progress_reports_due(today=self.date_option(options, "date"))
