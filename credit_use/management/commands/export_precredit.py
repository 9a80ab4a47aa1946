
from credit_use.exports import EXPORT_ROLES, may_export, precredit_write
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.scoping import activate
from surveys.commands import campaign_for


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
        campaign = campaign_for(scope, options["campaign"])
        with activate(scope):
            rows = self.write_whole(out, lambda path: precredit_write(scope=scope, campaign=campaign, out=path))
        return {"campaign": campaign.code, "out": str(out), "rows": rows}
