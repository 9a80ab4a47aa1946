import datetime

from django.core.management.base import CommandError

from credit_use.services.large_loans import large_loan_registers
from sunshine_credit.commands import BatchCommand


class Command(BatchCommand):
    help = ("Publish each village's large-loan disclosure register (大额贷款贷后公开簿, P6) of a month: the drawdowns "
            "disbursed in it above LARGE_LOAN_DISCLOSURE_THRESHOLD. Beat runs it on the 1st for the month before; "
            "a village's register of a month is published once.")
    acts_as_user = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", help="the month YYYY-MM (default: last month)")

    def run(self, **options):
        period = options.get("period")
        if period:
            try:
                datetime.date.fromisoformat(period + "-01")
            except ValueError:
                raise CommandError("--period must be a month YYYY-MM") from None
        return large_loan_registers(period=period)
