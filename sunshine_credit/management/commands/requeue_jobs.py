from sunshine_credit.commands import BatchCommand
from sunshine_credit.models import Job
from sunshine_credit.tasks import requeue_unsent_jobs


class Command(BatchCommand):
    help = ("Send again the jobs whose sending failed while the broker was down, and the running jobs whose "
            "worker is gone (no heartbeat for JOB_STALE_SECONDS) (R8). Celery beat does this every minute; run it "
            "by hand after an outage. Jobs younger than 30 seconds are left alone.")
    acts_as_user = False

    def run(self, **options):
        sent = requeue_unsent_jobs()
        unsent = Job.objects.filter(status=Job.Status.PENDING, sent_at=None).count()
        return {"sent": sent, "unsent": unsent}
