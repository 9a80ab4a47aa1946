import hashlib

from django.utils import translation

from appraisal.selectors import panel_by_codes as find_panel
from appraisal.services.sheet import sheet_pdf
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate


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
