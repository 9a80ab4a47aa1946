from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from households.models import Household
from households.services.archiving import BulkArchiveRefused, households_archive
from sunshine_credit.commands import BatchCommand, Refused
from sunshine_credit.models import Village


class Command(BatchCommand):
    help = ("Archive (建档, SPEC §11, H5) the checked households of the villages after a roster import: every "
            "household still on the roster, or only those named with --household. A household excluded or with a "
            "member on the blacklist is refused by name and nothing is written.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("villages", nargs="+", metavar="VILLAGE", help="village code")
        parser.add_argument("--household", action="append", default=[], metavar="CODE",
                            help="archive only this household (户号代码); repeat for several")

    def run(self, **options):
        scope, user = self.acting(options)
        codes = sorted(set(options["villages"]))
        with scopes_disabled():  # R1: only villages (and households) the actor may enter data for are found
            villages = dict(Village.objects.filter(id__in=scope.editable_village_ids, code__in=codes)
                            .values_list("code", "id"))
            household_ids = None
            if options["household"]:
                wanted = sorted(set(options["household"]))
                found = dict(Household.objects.filter(village_id__in=villages.values(), code__in=wanted)
                             .values_list("code", "id"))
                missing = [code for code in wanted if code not in found]
                if missing:
                    raise Refused({"villages": codes, "message": "households not found in these villages of your "
                                                                 "scope: " + ", ".join(missing)})
                household_ids = list(found.values())
        unknown = [code for code in codes if code not in villages]
        if unknown:
            raise Refused({"villages": codes, "message": "villages not found among those you may enter data for: "
                                                         + ", ".join(unknown)})
        try:
            result = households_archive(scope=scope, actor=user, village_ids=villages.values(),
                                        household_ids=household_ids)
        except BulkArchiveRefused as exc:
            raise Refused({"villages": codes, "message": str(exc), "errors": exc.messages}) from None
        except PermissionDenied as exc:
            raise Refused({"villages": codes, "message": str(exc) or "only makers archive households"}) from None
        return {"villages": codes, "archived": len(result.archived), "already_archived": len(result.already),
                "excluded": len(result.excluded), "households": result.archived,
                "skipped_excluded": result.excluded}

    def describe(self, payload):
        if not payload.get("ok"):
            return "\n".join(payload.get("errors") or [payload.get("message", "")])
        return (f"{', '.join(payload['villages'])}: {payload['archived']} archived, "
                f"{payload['already_archived']} already archived, {payload['excluded']} excluded (left as they were)")
