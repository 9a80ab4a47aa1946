import datetime
import hashlib

from django.core.management.base import CommandError
from django.utils import timezone, translation

from post_loan.models import Letter
from post_loan.selectors.letters import village_by_code
from post_loan.services.letters import letters_pdf
from sunshine_credit.commands import BatchCommand


class Command(BatchCommand):
    help = ("C2/C3: write a village's letters of one kind issued on one day (《贷款到期通知书》, 《贷款逾期通知书》, "
            "《律师函》), each followed by its delivery receipt, to one PDF — the same rendering as the batch job.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("village", help="village code")
        parser.add_argument("--kind", required=True, choices=Letter.Kind.values)
        parser.add_argument("--date", help="the day the letters were issued, YYYY-MM-DD (default: today)")
        parser.add_argument("--out", required=True, help="the .pdf file to write")
        parser.add_argument("--language", default="zh-hans", help="language of the letters (default zh-hans)")

    def run(self, **options):
        out = self.out_path(options, ".pdf")
        try:
            issued_on = datetime.date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        scope, _user = self.acting(options)
        village = village_by_code(scope, options["village"])
        with translation.override(options["language"]):
            content, count = letters_pdf(scope=scope, village_id=village.pk, kind=options["kind"],
                                         issued_on=issued_on)
        self.write_whole(out, lambda path: path.write_bytes(content))
        return {"village": village.code, "kind": options["kind"], "issued_on": issued_on.isoformat(),
                "letters": count, "out": str(out), "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest()}
