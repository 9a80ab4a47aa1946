import datetime
from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError
from django.utils import timezone

from sunshine_credit.commands import BatchCommand, Refused
from surveys.models import METHOD_MINIMUM, Method
from surveys.services.campaigns import CampaignInvalid, campaign_create


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--reference-date must be YYYY-MM-DD, not {value!r}") from None


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"--rounding must be a number of yuan, not {value!r}") from None


class Command(BatchCommand):
    help = "Create a campaign (授信批次) with the settings of SPEC §4, as the system administrator."
    acts_as_user = False  # set-up, like import_org: the system acts for the head office

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--method", choices=Method.values, default=Method.TRIMMED.value)
        parser.add_argument("--min-respondents", type=int, default=None,
                            help="default: the method's minimum (trimmed 5, mean 6)")
        parser.add_argument("--rounding", default="1000", help="rounding unit in yuan (default 1000)")
        parser.add_argument("--reference-date", help="YYYY-MM-DD (default today)")
        parser.add_argument("--notice-days", type=int, default=3)
        parser.add_argument("--ordinal", type=int, default=1, help="batch ordinal (拟第N批授信)")
        parser.add_argument("--head-office", help="head office code, when there are several")

    def run(self, **options):
        scope, user = self.acting(options)
        method = Method(options["method"])
        fields = {
            "code": options["code"].strip(), "name": options["name"].strip(), "method": method,
            "min_respondents": options["min_respondents"] if options["min_respondents"] is not None
            else METHOD_MINIMUM[method],
            "rounding_unit": _decimal(options["rounding"]), "notice_days": options["notice_days"],
            "ordinal": options["ordinal"],
            "reference_date": _date(options["reference_date"]) if options["reference_date"]
            else timezone.localdate(),
        }
        if not fields["code"] or not fields["name"]:
            raise CommandError("CODE and NAME may not be blank")
        if fields["notice_days"] < 0 or fields["ordinal"] < 1 or fields["min_respondents"] < 1:
            raise CommandError("--notice-days must be ≥ 0, --ordinal and --min-respondents ≥ 1")
        try:
            campaign = campaign_create(scope=scope, actor=user, fields=fields)
        except CampaignInvalid as exc:
            raise Refused({"code": fields["code"], "message": str(exc),
                           "errors": [{"field": f, "message": m} for f, m in exc.errors]}) from None
        return {"campaign_id": campaign.pk, "code": campaign.code, "name": campaign.name, "method": campaign.method,
                "min_respondents": campaign.min_respondents, "rounding_unit": str(campaign.rounding_unit),
                "reference_date": campaign.reference_date.isoformat(), "notice_days": campaign.notice_days,
                "ordinal": campaign.ordinal}
