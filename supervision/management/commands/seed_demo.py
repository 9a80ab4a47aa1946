from django.utils.translation import gettext as _

from sunshine_credit.commands import BatchCommand
from sunshine_credit.models import Role
from supervision.demo import seed


class Command(BatchCommand):
    help = ("Create the demo county: head office, branches, villages, a user per role, households "
            "(through the roster import), archive statuses, a blacklist entry and existing loans. Idempotent.")
    acts_as_user = False

    def run(self, **options):
        result = seed()
        result["note"] = _("Campaign %(campaign)s has an open appraisal panel in 东岭村: reviewer1 to reviewer5 enter "
                           "their appraisals back to back, officer1 closes the round.") % {"campaign": result["campaign"]}
        return result

    def describe(self, payload):
        totals = payload["totals"]
        created = sum(payload["created"].values())
        roles = dict(Role.choices)
        lines = [
            (_("Demo data ready (head office %(code)s): %(n)d rows created.") if created
             else _("Demo data ready (head office %(code)s): nothing had to change."))
            % {"code": payload["head_office"], "n": created},
            _("%(branches)d branches, %(villages)d villages, %(groups)d groups, %(households)d households "
              "(%(archived)d archived, %(excluded)d excluded), %(members)d members, %(loans)d existing loans, "
              "%(blacklist)d blacklist entries.") % totals,
            "",
            _("Demo logins (password %(password)s):") % {"password": payload["password"]},
        ]
        for login in payload["logins"]:
            lines.append(f"  {login['username']:<12} {str(roles[login['role']]):<24} {login['branch'] or '-':<5} "
                         f"{' '.join(login['villages'])}")
        lines += ["", payload["note"]]
        return "\n".join(lines)
