"""S1: who may see respondents' identities. Everyone else sees codes only (pages, exports, PDFs)."""

from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope


def respondent_names_visible(*, scope: Scope, campaign) -> bool:
    """The campaign's survey team and head-office supervisors; nobody else, administrators included."""
    if scope.role == Role.SUPERVISOR:
        return True
    if scope.user_id is None:
        return False
    return campaign.survey_team.filter(pk=scope.user_id).exists()
