from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404
from django_scopes import scopes_disabled

from appraisal.models import Panel
from appraisal.services.precheck import PrecheckRefused, precheck_run
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.models import Village
from surveys.models import Campaign


class Command(BatchCommand):
    help = ("Run the pre-check (SPEC A6) again for the closed panels of a campaign (or of one village) after "
            "loan or blacklist data changed; prints the households flagged per panel.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("campaign", help="campaign code")
        parser.add_argument("--village", help="village code: this village's panel only")

    def run(self, **options):
        scope, user = self.acting(options)
        with scopes_disabled():
            campaign = Campaign.objects.filter(head_office_id=scope.head_office_id, code=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"no such campaign in your head office: {options['campaign']}")
            villages = Village.objects.filter(id__in=scope.editable_village_ids)
            if options["village"]:
                villages = villages.filter(code=options["village"])
                if not villages.exists():
                    raise CommandError(f"no such village in your scope: {options['village']}")
            panels = list(Panel.objects.filter(campaign=campaign, village__in=villages)
                          .order_by("village__code").values_list("pk", "status", "village__code"))
        closed = [pk for pk, status, _code in panels if status == Panel.Status.CLOSED]
        if not closed:
            raise Refused({"campaign": campaign.code, "village": options["village"],
                           "message": "no closed (not signed off) panel to check in your scope"})
        results = []
        try:
            for pk in closed:
                results.append(precheck_run(scope=scope, actor=user, panel_id=pk))
        except (Http404, PermissionDenied, PrecheckRefused) as exc:
            raise Refused({"campaign": campaign.code, "message": str(exc) or "refused", "panels": results}) from None
        return {"campaign": campaign.code, "village": options["village"], "panels": results,
                "skipped_signed": [code for _pk, status, code in panels if status == Panel.Status.SIGNED],
                "flagged": sum(r["flagged"] for r in results)}

    def describe(self, payload):
        if not payload.get("ok"):
            return super().describe(payload)
        lines = [f"{payload['campaign']}: {payload['flagged']} households flagged"]
        for result in payload["panels"]:
            counts = ", ".join(f"{flag}: {n}" for flag, n in result["counts"].items()) or "-"
            lines.append(f"  {result['village']}: {result['flagged']} flagged ({counts})")
        if payload["skipped_signed"]:
            lines.append(f"  signed off, not checked: {', '.join(payload['skipped_signed'])}")
        return "\n".join(lines)
