from sunshine_credit.commands import BatchCommand

from ...services.progress import snapshot_all


class Command(BatchCommand):
    help = ("V1: each village's figures of today (VillageDay), as Celery beat keeps them at 23:50, for the monthly "
            "trends and the ten-day progress reports. Idempotent: a second run today overwrites today's rows. The "
            "figures are those of now, so there is no --date.")
    acts_as_user = False  # a system job over every head office

    def run(self, **options):
        return {"villages": snapshot_all()}
