import datetime

from django.core.management.base import CommandError

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
        today = None
        if options.get("today"):
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today must be a date YYYY-MM-DD, not {options['today']!r}") from None
        return lines_take_effect(today=today)
