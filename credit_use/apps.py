from django.apps import AppConfig


class CreditUseConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'credit_use'
