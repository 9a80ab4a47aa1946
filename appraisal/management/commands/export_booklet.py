from appraisal.exports import EXPORT_STATUSES, booklet_write
from appraisal.selectors import booklet_panel_or_404, panel_by_codes
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate


def find_panel(scope, campaign_code: str, village_code: str):
    """The panel through the booklet pages' chokepoint (makers of the village, not seated on the panel)."""
    return panel_by_codes(scope, campaign_code, village_code, fetch=booklet_panel_or_404)


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
