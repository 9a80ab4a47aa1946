from credit_use.services.lines import lines_take_effect
from sunshine_credit.commands import BatchCommand


class Command(BatchCommand):
    help = ("P5: turn the listed items of pre-credit boards whose notice period has ended into credit lines "
            "(Celery beat does this hourly). Idempotent; --today runs it as of another day (YYYY-MM-DD).")
    acts_as_user = False  # a system job: every board of every head office

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--today", help="the day to run as, YYYY-MM-DD (default: today)")

    def run(self, **options):
        return lines_take_effect(today=self.date_option(options, "today"))
