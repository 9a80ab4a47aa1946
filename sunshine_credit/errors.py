"""One base for every refusal a service or rule raises, and one Stale for R3.

A refusal means: the input broke a rule and nothing was written. `str(exc)` is the translated message for the
user (translated when raised, in the language of the request or job); `.errors` lists `(field, message)` pairs
so that a form can show each message where the input was (`field` is None for the form as a whole); `.code` is
a stable identifier for the rule (tests, JSON output of the batch commands).

    raise Refusal(_("Give the reason for the change."), field="reason")
    raise Refusal(errors=[("amount", _("…")), (None, _("…"))])
    raise Stale()                                    # R3, the standard message
    raise Stale(_("This panel was changed by someone else meanwhile. Reload the page."))

Views catch `Refusal` (and so `Stale`) once; `show_on_form(form, exc)` puts each message on its field.
"""

from django.utils.translation import gettext as _


class Refusal(Exception):
    """The input was refused by a rule; nothing was written."""

    def __init__(self, message: str = "", *, field: str | None = None, code: str = "",
                 errors: list[tuple[str | None, str]] | None = None):
        errors = list(errors or [])
        if message:
            errors.insert(0, (field, str(message)))
        super().__init__(message or "; ".join(str(text) for _field, text in errors))
        self.errors = errors
        self.code = code

    @property
    def messages(self) -> list[str]:
        return [str(text) for _field, text in self.errors] or [str(self)]


class RuleViolation(Refusal):
    """A domain rule (rules.py, no database) refused the input; `.code` names the rule (e.g. "G2")."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message, field=field, code=code)

    @property
    def field(self) -> str | None:
        return self.errors[0][0] if self.errors else None

    @property
    def message(self) -> str:
        return str(self)


class Stale(Refusal):
    """R3: the record was saved by someone else after the form was read; none of the stale form's fields was
    written. Callers may attach what they know (`current`, `differences`) for the page to show."""

    def __init__(self, message: str = "", **extra):
        super().__init__(message or _("This record was changed by someone else meanwhile; nothing was saved. "
                                      "Reload the page."), code="stale")
        for name, value in extra.items():
            setattr(self, name, value)


def show_on_form(form, exc: Refusal) -> None:
    """Each message of the refusal on its field of `form` (on the form itself when the field is not there)."""
    for field, text in exc.errors or [(None, str(exc))]:
        form.add_error(field if field in form.fields else None, text)
