from django.apps import AppConfig


class GuaranteeGroupsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'guarantee_groups'
