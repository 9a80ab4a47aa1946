"""P4: objections (异议) to a running pre-credit board, and the panel's reconsideration (复议) of the objected lines.

An objection is lodged at the counter (staff who read the village) or on the public form the board's QR code
opens (no login), only while the notice runs. It freezes its line: a frozen line does not become a credit line
when the notice ends (P5) until the panel reconsiders it — upheld (the published amount stands), changed (a
lower amount: an objection can only lower a line, never raise it) or rejected (no credit this batch), always
with reasons. Reconsidering closes every open objection of the line.

Both writes lock the item row (select_for_update), so an objection and a reconsideration of one line queue up,
and save through the ORM so that django-auditlog records them (R4; the objector's phone is masked there and
never logged). The pure rules come first and touch no database.
"""

import datetime
import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scope as django_scope
from django_scopes import scopes_disabled

from households.services import MAKER_ROLES
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope, activate

from .models import ItemStatus, Notice, NoticeItem, NoticeKind, Objection, Outcome

logger = logging.getLogger(__name__)

# Who records an objection a villager brings to the counter: makers, the branch president and tellers.
COUNTER_ROLES = frozenset({*MAKER_ROLES, Role.PRESIDENT, Role.TELLER})
CONTENT_MAX = 2000
NAME_MAX = 50
REASON_MAX = 500
# Reference numbers are read out over the phone and copied by hand: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "YY"
REFERENCE_LENGTH = 10
REFERENCE_RE = re.compile(rf"{REFERENCE_PREFIX}[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")
OBJECTABLE = (ItemStatus.LISTED, ItemStatus.FROZEN)


class ObjectionRefused(Exception):
    """The objection or reconsideration breaks a rule; str() is shown to the user. Nothing was written."""


class StaleItem(Exception):
    """R3: the line changed (a new objection, a reconsideration) since the form was shown."""

    def __init__(self):
        super().__init__(_("This line was changed by someone else meanwhile (a new objection, or a reconsideration). Reload the page."))


# --- rules (no ORM) ---------------------------------------------------------------------------------------

def check_running(*, kind: str, status: str, starts_on: datetime.date, ends_on: datetime.date,
                  today: datetime.date) -> None:
    """P4: objections are taken while a published pre-credit notice runs, its first and last day included."""
    if kind != NoticeKind.PRECREDIT:
        raise ObjectionRefused(_("Objections through this form are taken for pre-credit notices only."))
    if status != Notice.Status.PUBLISHED:
        raise ObjectionRefused(_("This notice is not published: objections cannot be lodged yet."))
    dates = {"start": formats.date_format(starts_on), "end": formats.date_format(ends_on)}
    if today < starts_on:
        raise ObjectionRefused(_("The notice period (%(start)s to %(end)s) has not started yet: objections can be "
                                 "lodged from %(start)s.") % dates)
    if today > ends_on:
        raise ObjectionRefused(_("The notice period (%(start)s to %(end)s) is over: objections are no longer "
                                 "taken.") % dates)


def clean_content(content: str) -> str:
    text = (content or "").strip()
    if not text:
        raise ObjectionRefused(_("Write what the objection is about."))
    if len(text) > CONTENT_MAX:
        raise ObjectionRefused(_("An objection has at most %(n)d characters.") % {"n": CONTENT_MAX})
    return text


def clean_objector_name(name: str) -> str:
    text = (name or "").strip()
    if len(text) > NAME_MAX:
        raise ObjectionRefused(_("A name has at most %(n)d characters.") % {"n": NAME_MAX})
    return text


def normalise_objector_phone(raw: str) -> str:
    """Blank, an 11-digit mainland mobile (138 1234 5678) or a landline with its area code (0371-12345678)."""
    text = re.sub(r"\s+", "", raw or "")
    if not text:
        return ""
    if MOBILE_RE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    if LANDLINE_RE.fullmatch(text):
        return text
    raise ObjectionRefused(_("Enter an 11-digit mobile number or a landline with its area code (0371-12345678)."))


def check_reconsideration(*, outcome: str, reason: str, amount: Decimal | None, published: Decimal) -> Decimal | None:
    """P4: the panel's outcome on an objected line; returns the amount after reconsideration (None unless
    changed). Raises ObjectionRefused."""
    if outcome not in Outcome.values:
        raise ObjectionRefused(_("Choose the outcome of the reconsideration."))
    if not (reason or "").strip():
        raise ObjectionRefused(_("Write the reasons for the reconsideration."))
    if len(reason.strip()) > REASON_MAX:
        raise ObjectionRefused(_("The reasons have at most %(n)d characters.") % {"n": REASON_MAX})
    if outcome != Outcome.CHANGED:
        return None
    if amount is None:
        raise ObjectionRefused(_("Enter the amount after reconsideration."))
    if amount <= 0:
        raise ObjectionRefused(_("The amount after reconsideration must be above zero; to give no credit, choose "
                                 "“rejected”."))
    if amount >= published:
        raise ObjectionRefused(_("An objection can only lower a line, never raise it: enter an amount below "
                                 "%(amount)s yuan, the line as it stands.") % {"amount": yuan(published)})
    return amount


def new_reference() -> str:
    """An unguessable reference number: "YY" and 10 of 31 symbols (about 50 bits), from `secrets`."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(raw: str) -> str:
    """What a villager types back: any case, with spaces or dashes."""
    return re.sub(r"[\s\-]+", "", raw or "").upper()


# --- reads ------------------------------------------------------------------------------------------------

def running_refusal(notice: Notice, today: datetime.date | None = None) -> str:
    """The message why objections are not taken now, or "" while the notice runs."""
    try:
        check_running(kind=notice.kind, status=notice.status, starts_on=notice.starts_on, ends_on=notice.ends_on,
                      today=today or timezone.localdate())
    except ObjectionRefused as exc:
        return str(exc)
    return ""


def public_notice_or_404(token: str) -> Notice:
    """The published notice behind a board's QR code, whoever asks (anonymous visitors have an empty scope)."""
    if not token:
        raise Http404
    with scopes_disabled():
        notice = Notice.objects.filter(public_token=token, status=Notice.Status.PUBLISHED).first()
    if notice is None:
        raise Http404
    return notice


def public_board_items(notice: Notice) -> list[NoticeItem]:
    """The board's lines with only what the printed board shows (序号, group, the name as published, amount)."""
    with django_scope(village=[notice.village_id]):
        return list(NoticeItem.objects.filter(notice=notice).only("id", "notice_id", "line_no", "group_name", "name",
                                                                  "amount").order_by("line_no"))


@dataclass(frozen=True)
class PublicObjection:
    """What the public look-up shows: nothing beyond the board and the objection's own outcome."""

    reference: str
    title: str
    line_no: int
    name: str
    status: str
    status_display: str
    reconsidered: bool
    outcome: str
    outcome_display: str
    final_amount: Decimal | None
    reasons: str


def objection_public_get(*, reference: str) -> PublicObjection | None:
    """P4 look-up by reference number (no login). None when no objection has it."""
    reference = normalise_reference(reference)
    if not REFERENCE_RE.fullmatch(reference):
        return None
    with scopes_disabled():
        objection = Objection.objects.select_related("notice", "item").filter(reference=reference).first()
    if objection is None:
        return None
    item = objection.item
    reconsidered = objection.status == Objection.Status.CLOSED and bool(item.outcome)
    return PublicObjection(
        reference=objection.reference, title=objection.notice.title, line_no=item.line_no, name=item.name,
        status=objection.status, status_display=objection.get_status_display(), reconsidered=reconsidered,
        outcome=item.outcome if reconsidered else "",
        outcome_display=item.get_outcome_display() if reconsidered else "",
        final_amount=item.final_amount if reconsidered and item.outcome == Outcome.CHANGED else None,
        reasons=item.outcome_reason if reconsidered else "")


# --- writes -----------------------------------------------------------------------------------------------

def _create_objection(**fields) -> Objection:
    """A collision of two random references is unlikely but possible: the unique column decides, and we retry."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Objection.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            continue
    raise ObjectionRefused(_("The objection could not be recorded. Please try again."))


def _lodge(notice: Notice, *, line_no: int, channel: str, content: str, objector_name: str, objector_phone: str,
           actor=None) -> Objection:
    check_running(kind=notice.kind, status=notice.status, starts_on=notice.starts_on, ends_on=notice.ends_on,
                  today=timezone.localdate())
    content, name = clean_content(content), clean_objector_name(objector_name)
    phone = normalise_objector_phone(objector_phone)
    item = NoticeItem.objects.select_for_update().filter(notice=notice, line_no=line_no).first()
    if item is None:
        raise ObjectionRefused(_("There is no line %(no)s on this board.") % {"no": line_no})
    if item.status not in OBJECTABLE:
        raise ObjectionRefused(_("Line %(no)s was settled on reconsideration: it takes no more objections.")
                               % {"no": line_no})
    # Frozen until the panel reconsiders; the version moves so that a reconsideration form shown before this
    # objection arrived is stale (R3): the panel decides knowing every objection.
    item.status = ItemStatus.FROZEN
    item.version += 1
    item.save(update_fields=["status", "version"])
    objection = _create_objection(notice=notice, item=item, channel=channel, objector_name=name,
                                  objector_phone=phone, content=content, lodged_by=actor)
    logger.info("objection %s lodged (%s) on notice %s line %s", objection.reference, channel, notice.pk, line_no)
    return objection


@transaction.atomic
def objection_lodge(*, scope: Scope, actor, notice_id: int, line_no: int, content: str, objector_name: str = "",
                    objector_phone: str = "") -> Objection:
    """P4 at the counter: staff record an objection a villager brings. Raises Http404 outside the actor's readable
    villages (R1), PermissionDenied for roles that do not serve the counter, ObjectionRefused."""
    with activate(scope):
        notice = Notice.objects.filter(pk=notice_id, village_id__in=scope.village_ids).first()
        if notice is None:
            raise Http404
        if scope.role not in COUNTER_ROLES:
            raise PermissionDenied(_("Objections are recorded by loan officers, tellers and the branch president."))
        return _lodge(notice, line_no=line_no, channel=Objection.Channel.COUNTER, content=content,
                      objector_name=objector_name, objector_phone=objector_phone, actor=actor)


@transaction.atomic
def objection_lodge_public(*, token: str, line_no: int, content: str, objector_name: str = "",
                           objector_phone: str = "") -> Objection:
    """P4 on the public form (no login). Raises Http404 for an unknown token, ObjectionRefused."""
    notice = public_notice_or_404(token)
    # Only the board's own village is in scope for the write, whatever the visitor's (empty) scope is.
    with django_scope(village=[notice.village_id]):
        return _lodge(notice, line_no=line_no, channel=Objection.Channel.PUBLIC, content=content,
                      objector_name=objector_name, objector_phone=objector_phone)


@transaction.atomic
def item_reconsider(*, scope: Scope, actor, item_id: int, version: int, outcome: str, reason: str,
                    amount: Decimal | None = None) -> NoticeItem:
    """P4: record the panel's reconsideration (复议) of a frozen line, if nobody changed it since `version` (R3).
    Raises PermissionDenied for read-only roles, Http404 outside the actor's editable villages, StaleItem,
    ObjectionRefused."""
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("The panel's reconsideration is recorded by loan officers and administrators."))
    with activate(scope):
        item = (NoticeItem.objects.select_for_update(of=("self",)).select_related("notice")
                .filter(pk=item_id, notice__village_id__in=scope.editable_village_ids).first())
        if item is None:
            raise Http404
        if item.version != version:
            raise StaleItem
        if item.status != ItemStatus.FROZEN:
            raise ObjectionRefused(_("Only a line frozen by an objection is reconsidered."))
        # Against the amount that stands now: a line lowered by an earlier reconsideration is never raised back.
        final_amount = check_reconsideration(outcome=outcome, reason=reason, amount=amount,
                                             published=item.effective_amount)
        if outcome == Outcome.UPHELD:
            final_amount = item.final_amount  # the standing amount stays (the published one, or as lowered)
        item.status = ItemStatus.REJECTED if outcome == Outcome.REJECTED else ItemStatus.LISTED
        item.outcome, item.final_amount, item.outcome_reason = outcome, final_amount, reason.strip()
        item.reconsidered_by, item.reconsidered_at = actor, timezone.now()
        item.version += 1
        item.save(update_fields=["status", "outcome", "final_amount", "outcome_reason", "reconsidered_by",
                                 "reconsidered_at", "version"])
        for objection in Objection.objects.select_for_update().filter(item=item, status=Objection.Status.OPEN):
            objection.status = Objection.Status.CLOSED
            objection.save(update_fields=["status"])
    logger.info("notice item %s reconsidered: %s", item.pk, outcome)
    return item
