from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SunshineCreditConfig(AppConfig):
    name = "sunshine_credit"
    verbose_name = _("Organisation and staff")

    def ready(self):
        from . import audit  # noqa: F401  registers the audited models
