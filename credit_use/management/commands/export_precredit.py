from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from credit_use.exports import EXPORT_ROLES, may_export, precredit_write
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate
from surveys.models import Campaign


class Command(BatchCommand):
    help = ("Export the core-banking batch template 预授信批量导入数据模板 (.xlsx) of a campaign's credit lines in "
            "effect, within your scope. It carries full ID numbers: roles " + ", ".join(sorted(EXPORT_ROLES)) + ".")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def run(self, **options):
        out = self.out_path(options, ".xlsx")
        scope, _user = self.acting(options)
        if not may_export(scope):
            raise Refused({"role": scope.role, "message": "this role may not export full ID numbers"})
        with scopes_disabled():
            campaign = Campaign.objects.filter(head_office_id=scope.head_office_id, code=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no such campaign in your head office: {options['campaign']}")
        tmp = out.with_name(out.name + ".part")
        with activate(scope):
            rows = precredit_write(scope=scope, campaign=campaign, out=tmp)
        tmp.replace(out)  # never leave a half-written file under the requested name
        return {"campaign": campaign.code, "out": str(out), "rows": rows}
