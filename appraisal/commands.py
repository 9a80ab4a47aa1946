"""What the appraisal commands share: finding a campaign's panel for a village, through a view's chokepoint."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404
from django_scopes import scopes_disabled

from sunshine_credit.scoping import activate

from .access import panel_or_404
from .models import Panel


def find_panel(scope, campaign_code: str, village_code: str, *, fetch=panel_or_404) -> Panel:
    """The panel of a campaign and village, fetched in the acting scope by `fetch` (the chokepoint the matching
    page uses), or a usage error: unknown, or outside the scope."""
    with scopes_disabled():
        pk = Panel.objects.filter(campaign__head_office_id=scope.head_office_id, campaign__code=campaign_code,
                                  village__code=village_code).values_list("pk", flat=True).first()
    if pk is None:
        raise CommandError(f"no panel for campaign {campaign_code} and village {village_code} in your head office")
    try:
        with activate(scope):
            return fetch(scope, pk)
    except (Http404, PermissionDenied):
        raise CommandError(f"the panel of village {village_code} is outside your scope") from None
