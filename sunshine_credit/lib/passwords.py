"""A one-time password to hand over (a new login, the administrator's reset): read off a screen or a slip of paper
and typed at the login, so its alphabet leaves out the look-alikes 0/O/o, 1/I/l (and i, j, which a small font
blurs). 12 symbols of 53 from `secrets` (about 68 bits); never all digits (the validators' rule). The user
changes it at the first login (R9). And the minimum length's rule, worded in our catalog."""

import secrets
import string

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _

LOOK_ALIKES = frozenset("0Oo1Iilj")
HANDOVER_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in LOOK_ALIKES)
HANDOVER_LENGTH = 12


def handover_password(length: int = HANDOVER_LENGTH) -> str:
    while True:
        password = "".join(secrets.choice(HANDOVER_ALPHABET) for _ in range(length))
        if not password.isdigit():
            return password


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message of our own catalog: Django 5.2 changed the msgid of its "too short" message and
    its Chinese catalog has not followed, so the rule showed in English (issue 18 item 5)."""

    def get_error_message(self) -> str:
        return _("This password is too short: it must have at least %(n)d characters.") % {"n": self.min_length}
