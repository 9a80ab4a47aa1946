import hashlib

from django.core.management.base import CommandError
from django.http import Http404
from django.utils import translation
from django_scopes import scopes_disabled

from appraisal.access import panel_or_404
from appraisal.models import Panel
from appraisal.services_sheet import sheet_pdf
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate


def find_panel(scope, campaign_code: str, village_code: str) -> Panel:
    """The panel of a campaign and village in the acting scope (readable), or a usage error."""
    with scopes_disabled():
        pk = Panel.objects.filter(campaign__head_office_id=scope.head_office_id, campaign__code=campaign_code,
                                  village__code=village_code).values_list("pk", flat=True).first()
    if pk is None:
        raise CommandError(f"no panel for campaign {campaign_code} and village {village_code} in your head office")
    try:
        with activate(scope):
            return panel_or_404(scope, pk)
    except Http404:
        raise CommandError(f"the panel of village {village_code} is outside your scope") from None


class Command(BatchCommand):
    help = ("Render the appraisal sheet (阳光信贷农户家庭授信评议表) of a closed panel to PDF: every reviewer's "
            "amount, the rating, the computed and decided amounts, and the members' signature block.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("village", help="village (appraisal unit) code")
        parser.add_argument("--out", required=True, help="the .pdf file to write")
        parser.add_argument("--language", default="zh-hans", help="language of the sheet (default zh-hans)")

    def run(self, **options):
        out = self.out_path(options, ".pdf")
        scope, _user = self.acting(options)
        panel = find_panel(scope, options["campaign"], options["village"])
        if not panel.is_closed:
            raise Refused({"panel": panel.pk, "status": panel.status,
                           "message": "the appraisal sheet is printed once the round is closed"})
        with activate(scope), translation.override(options["language"]):
            content, counts = sheet_pdf(scope=scope, panel=panel)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(content)
        tmp.replace(out)  # never leave a half-written file under the requested name
        return {"campaign": panel.campaign.code, "village": panel.village.code, "panel": panel.pk,
                "status": panel.status, "out": str(out), "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(), **counts}
