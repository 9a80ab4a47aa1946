
from sunshine_credit.commands import BatchCommand
from sunshine_credit.scoping import activate
from surveys.commands import campaign_for
from surveys.exports import limits_export_write


class Command(BatchCommand):
    help = ("Export the pre-credit summary of a campaign (.xlsx): 户号代码, 授信代表人, 身份证号码, 有效问卷数, "
            "拟授信额度(元), 状态, 原因. ID numbers are masked outside the villages you may edit.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def run(self, **options):
        out = self.out_path(options, ".xlsx")
        scope, _user = self.acting(options)
        campaign = campaign_for(scope, options["campaign"])
        with activate(scope):
            rows = self.write_whole(out, lambda path: limits_export_write(scope=scope, campaign=campaign, out=path))
        return {"campaign": campaign.code, "out": str(out), "rows": rows}
