from django.core.management.base import CommandError
from django.http import Http404
from django_scopes import scopes_disabled

from sunshine_credit.commands import BatchCommand
from sunshine_credit.models import Village
from sunshine_credit.scoping import activate
from surveys.models import Campaign
from surveys.services.limits import limits_compute_run


class Command(BatchCommand):
    help = "Compute the pre-credit limits (SPEC L1–L7) of a campaign, or of one village; prints counts per status."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("--village", help="village code: compute this village only")

    def run(self, **options):
        scope, _user = self.acting(options)
        with scopes_disabled():
            campaign = Campaign.objects.filter(head_office_id=scope.head_office_id, code=options["campaign"]).first()
            village = None
            if options["village"]:
                village = Village.objects.filter(code=options["village"], id__in=scope.village_ids).first()
                if village is None:
                    raise CommandError(f"no such village in your scope: {options['village']}")
        if campaign is None:
            raise CommandError(f"no such campaign in your head office: {options['campaign']}")
        try:
            with activate(scope):
                result = limits_compute_run(scope=scope, campaign=campaign, village=village)
        except Http404:
            raise CommandError("nothing to compute in your scope") from None
        return {"campaign": campaign.code, "village": options["village"], **result}

    def describe(self, payload):
        if not payload.get("ok"):
            return super().describe(payload)
        counts = payload["counts"]
        lines = [f"{payload['campaign']}: {payload['villages']} villages, {payload['written']} results written"]
        lines += [f"  {status}: {n}" for status, n in counts.items()]
        lines += [f"  skipped {row['code']} {row['name']}: {row['reason']}" for row in payload.get("skipped", [])]
        return "\n".join(lines)
