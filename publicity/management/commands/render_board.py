import datetime
import hashlib

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from appraisal.selectors import panel_by_codes as find_panel
from publicity.models import Notice, NoticeKind
from publicity.services import PublishRefused, notice_render, publish_precredit
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate


class Command(BatchCommand):
    help = ("Write a village's pre-credit notice board (P1–P3) to PDF. A board already published is written "
            "exactly as archived (same SHA-256); otherwise the signed-off panel's board is published now as "
            "--user (the account manager in charge), printed and archived, then written.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("village", help="village (appraisal unit) code")
        parser.add_argument("--out", required=True, help="the .pdf file to write")
        parser.add_argument("--starts-on", help="first day of the notice period when publishing (YYYY-MM-DD; today)")

    def run(self, **options):
        out = self.out_path(options, ".pdf")
        scope, user = self.acting(options)
        panel = find_panel(scope, options["campaign"], options["village"])
        with activate(scope):
            notice = Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=panel.campaign_id,
                                           village_id=panel.village_id).first()
            published_now = notice is None
            if notice is None:
                if user is None:
                    raise CommandError("the board is not published yet: name its account manager with --user")
                try:
                    notice = publish_precredit(scope=scope, actor=user, panel_id=panel.pk,
                                               starts_on=self.starts_on(options))
                except PublishRefused as exc:
                    raise Refused({"village": panel.village.code, "message": str(exc)}) from None
                except PermissionDenied as exc:
                    raise CommandError(str(exc)) from None
        notice_render(notice.pk)  # in this process; a no-op when the job already archived it
        with scopes_disabled():
            notice.refresh_from_db()
            content = notice.file.open("rb").read()
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(content)
        tmp.replace(out)  # never leave a half-written file under the requested name
        return {"campaign": panel.campaign.code, "village": panel.village.code, "notice": notice.pk,
                "published_now": published_now, "starts_on": notice.starts_on, "ends_on": notice.ends_on,
                "households": notice.snapshot.get("count", 0), "pages": notice.pages, "out": str(out),
                "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}

    @staticmethod
    def starts_on(options):
        if not options.get("starts_on"):
            return None
        try:
            return datetime.date.fromisoformat(options["starts_on"])
        except ValueError:
            raise CommandError("--starts-on must be a date YYYY-MM-DD") from None
