"""The batch interface of SPEC §11 for commands that name a campaign (the base is sunshine_credit.commands)."""

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from sunshine_credit.scoping import Scope

from .models import Campaign
from .selectors import campaign_for_import


def campaign_for(scope: Scope, code: str) -> Campaign:
    """The head office's campaign of that code, or a usage error."""
    with scopes_disabled():
        campaign = campaign_for_import(scope=scope, code=code)
    if campaign is None:
        raise CommandError(f"no such campaign in your head office: {code}")
    return campaign
