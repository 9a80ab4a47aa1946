"""V3 writes: the head office's administrator keeps the eight sections of each branch (every change a version
row) and the officers' board data; the three service-hall boards are rendered as PDFs."""

import base64

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.lib import pdf
from sunshine_credit.models import Branch, Role
from sunshine_credit.scoping import Scope

from ..models import Disclosure, DisclosureVersion, OfficerBoardProfile, Section
from ..rules import disclosures as rules
from ..selectors import disclosures as selectors
from .complaints import branch_channel_links

BOARDS = {
    "commitments": "supervision/disclosures/pdf/commitments.html",
    "process": "supervision/disclosures/pdf/process.html",
    "officers": "supervision/disclosures/pdf/officers.html",
}


def require_admin(scope: Scope) -> None:
    """V3: the disclosures are the head office's word; only its administrator changes them."""
    scope.require_maker(_("Only the head office's administrator changes the disclosures."))
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the head office's administrator changes the disclosures."))


@transaction.atomic
def disclosure_save(*, scope: Scope, actor, branch: Branch, section: str, text: str, version: int) -> Disclosure:
    """Set one section's text. `version` is the one the form was read at (R3). A change writes a version row
    with the text before it; saving the same text writes nothing."""
    require_admin(scope)
    branch = selectors.branch_or_404(scope, branch.pk)  # re-checked here, whatever the caller fetched
    if section not in Section.values:
        raise Refusal(_("There is no such section."))
    row, _new = Disclosure.objects.select_for_update().get_or_create(
        branch=branch, section=section, defaults={"head_office_id": branch.head_office_id})
    if row.version != version:
        raise Stale()
    text = (text or "").strip()
    if text == row.text:
        return row
    DisclosureVersion.objects.create(disclosure=row, number=row.version + 1, previous_text=row.text, text=text,
                                     changed_by=actor)
    row.text, row.version, row.updated_by = text, row.version + 1, actor
    row.save()
    return row


@transaction.atomic
def officer_profile_save(*, scope: Scope, actor, branch: Branch, user_id: int, public_work_phone: str,
                         photo=None, remove_photo: bool = False, version: int) -> OfficerBoardProfile:
    """The officer board's data of one loan officer of `branch`: the public work phone and the photo (re-encoded,
    stored under a random name, served through a view only)."""
    require_admin(scope)
    branch = selectors.branch_or_404(scope, branch.pk)
    user = selectors.officer_or_404(scope, branch, user_id)
    profile, _new = OfficerBoardProfile.objects.select_for_update().get_or_create(
        user=user, defaults={"head_office_id": scope.head_office_id})
    if profile.version != version:
        raise Stale()
    profile.public_work_phone = (public_work_phone or "").strip()
    old = profile.photo.name if profile.photo else ""
    if photo is not None:
        data, content_type, extension = rules.clean_photo(photo.read(rules.PHOTO_MAX_BYTES + 1))
        profile.photo.save(f"photo.{extension}", ContentFile(data), save=False)
        profile.photo_type = content_type
    elif remove_photo:
        profile.photo, profile.photo_type = "", ""
    profile.version += 1
    profile.updated_by = actor
    profile.save()
    if old and old != (profile.photo.name if profile.photo else ""):
        transaction.on_commit(lambda: profile.photo.storage.delete(old))
    return profile


def board_pdf(branch: Branch, kind: str) -> bytes:
    """One of the three service-hall boards of `branch` (承诺服务牌, 操作流程牌, the officer board), A4."""
    context = {**selectors.page(branch), "printed_on": timezone.localdate()}
    if kind == "commitments":  # its foot is the supervision channels: the phone, and the complaint form's QR code
        context.update(branch_channel_links(branch))
    if kind == "officers":
        photos = _photo_data_urls(context["officers"])
        context["rows"] = [(card, photos.get(card.user_id)) for card in context["officers"]]
    return pdf.render_pdf(BOARDS[kind], context, data_images=kind == "officers")


def _photo_data_urls(cards) -> dict[int, str]:
    """The officers' photos inlined (print templates fetch nothing from a URL)."""
    tokens = {card.photo_token: card.user_id for card in cards if card.photo_token}
    urls = {}
    for profile in OfficerBoardProfile.objects.filter(photo_token__in=tokens):
        try:
            with profile.photo.open("rb") as handle:
                data = handle.read(rules.PHOTO_MAX_BYTES + 1)
        except OSError:
            continue
        if rules.sniff_photo(data[:16]):
            urls[tokens[profile.photo_token]] = (f"data:{profile.photo_type};base64,"
                                                 + base64.b64encode(data).decode())
    return urls
