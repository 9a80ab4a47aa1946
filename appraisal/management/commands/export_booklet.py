
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404
from django_scopes import scopes_disabled

from appraisal.booklets import EXPORT_STATUSES, booklet_write
from appraisal.models import Panel
from appraisal.services_booklets import booklet_panel_or_404
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate


def find_panel(scope, campaign_code: str, village_code: str) -> Panel:
    """The panel of a campaign and village in the acting scope (editable), or a usage error."""
    with scopes_disabled():
        panel = Panel.objects.filter(campaign__head_office_id=scope.head_office_id, campaign__code=campaign_code,
                                     village__code=village_code).values_list("pk", flat=True).first()
    if panel is None:
        raise CommandError(f"no panel for campaign {campaign_code} and village {village_code} in your head office")
    try:
        with activate(scope):
            return booklet_panel_or_404(scope, panel)
    except (Http404, PermissionDenied):
        raise CommandError(f"the panel of village {village_code} is outside your scope") from None


class Command(BatchCommand):
    help = ("Export the appraisal booklet (评议册) of a panel (.xlsx): one sheet per seated reviewer, the entry "
            "columns blank (back to back). Only while the panel is being formed or its round is open.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("village", help="village (appraisal unit) code")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def run(self, **options):
        out = self.out_path(options, ".xlsx")
        scope, _user = self.acting(options)
        panel = find_panel(scope, options["campaign"], options["village"])
        if panel.status not in EXPORT_STATUSES:
            raise Refused({"panel": panel.pk, "status": panel.status,
                           "message": "the booklet is printed only while the panel is forming or open"})
        tmp = out.with_name(out.name + ".part")
        with activate(scope):
            counts = booklet_write(panel=panel, out=tmp)
        tmp.replace(out)  # never leave a half-written file under the requested name
        return {"campaign": panel.campaign.code, "village": panel.village.code, "panel": panel.pk,
                "out": str(out), **counts}
