"""V3 reads: the administrator's branches and history, and the public page of a branch (no login)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django_scopes import scopes_disabled

from sunshine_credit.models import Branch, Role, StaffProfile, Village
from sunshine_credit.scoping import Scope

from ..models import ComplaintChannel, Disclosure, DisclosureVersion, OfficerBoardProfile, Section
from ..rules import disclosures as rules


def branches(scope: Scope):
    """The branches of the user's head office the user reads (the administrator: all of them)."""
    return Branch.objects.filter(head_office_id=scope.head_office_id, pk__in=scope.branch_ids).order_by("code")


def branch_or_404(scope: Scope, pk: int) -> Branch:
    branch = branches(scope).filter(pk=pk).first()
    if branch is None:
        raise Http404
    return branch


def texts(branch: Branch) -> dict[str, Disclosure]:
    """{section: Disclosure} of the branch (missing sections are absent)."""
    return {row.section: row for row in Disclosure.objects.filter(branch=branch).select_related("updated_by")}


def history(branch: Branch):
    """Every change of the branch's eight sections, newest first, with who made it."""
    return (DisclosureVersion.objects.filter(disclosure__branch=branch)
            .select_related("disclosure", "changed_by").order_by("-changed_at", "-pk"))


@dataclass(frozen=True)
class OfficerCard:
    user_id: int
    name: str
    work_phone: str
    photo_token: str
    villages: list[str]


def officers(branch: Branch) -> list[OfficerCard]:
    """The branch's loan officers with the villages assigned to them (包片, Village.officers) and their public
    board data. Private phones and ID numbers are not read at all. Three queries whatever the number of officers."""
    with scopes_disabled():
        villages = Village.objects.filter(branch=branch).order_by("code")
        users = (get_user_model().objects
                 .filter(staff_profile__branch=branch, staff_profile__role=Role.OFFICER, is_active=True)
                 .select_related("board_profile")
                 .prefetch_related(Prefetch("assigned_villages", queryset=villages, to_attr="branch_villages"))
                 .order_by("username"))
        cards = []
        for user in users:
            profile = getattr(user, "board_profile", None)
            cards.append(OfficerCard(
                user_id=user.pk, name=user.get_full_name() or user.get_username(),
                work_phone=profile.public_work_phone if profile else "",
                photo_token=profile.photo_token if profile and profile.photo else "",
                villages=[village.name for village in user.branch_villages]))
    return cards


def officer_or_404(scope: Scope, branch: Branch, user_id: int):
    """A loan officer of `branch` (a branch of the administrator's head office)."""
    profile = (StaffProfile.objects.filter(branch=branch, role=Role.OFFICER, user_id=user_id,
                                           head_office_id=scope.head_office_id)
               .select_related("user").first())
    if profile is None:
        raise Http404
    return profile.user


def board_profile(user) -> OfficerBoardProfile | None:
    return OfficerBoardProfile.objects.filter(user=user).first()


def public_branch_or_404(code: str) -> Branch:
    """The branch of a public page, with `complaint_token`: its board's complaint channel (None until one is made)."""
    board = ComplaintChannel.objects.filter(branch=OuterRef("pk"), officer__isnull=True).values("token")[:1]
    branch = (Branch.objects.select_related("head_office").annotate(complaint_token=Subquery(board))
              .filter(code=code).first())
    if branch is None:
        raise Http404
    return branch


def public_photo_or_404(token: str) -> OfficerBoardProfile:
    """A photo is public while its officer is an active loan officer (a departed officer's photo is not served)."""
    profile = (OfficerBoardProfile.objects.filter(photo_token=token, user__is_active=True,
                                                  user__staff_profile__role=Role.OFFICER)
               .exclude(photo="").first())
    if profile is None:
        raise Http404
    return profile


def page(branch: Branch) -> dict:
    """Everything the public page and the boards show of `branch`: the eight sections in order, the officers
    and the commitments generated from the U7 limits and the settings."""
    saved = texts(branch)
    return {
        "branch": branch,
        "sections": [{"key": key, "label": label, "text": saved[key].text if key in saved else ""}
                     for key, label in Section.choices],
        "officers": officers(branch),
        "commitments": rules.commitments(branch_authority=branch.approval_authority,
                                         county_authority=settings.COUNTY_APPROVAL_AUTHORITY,
                                         city_authority=settings.CITY_APPROVAL_AUTHORITY),
        "steps": rules.process_steps(),
    }
