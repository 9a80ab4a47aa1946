# Issue 18: the drawdown list's page keys from an index (credit_use.selectors.drawdowns.drawdown_list).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credit_use', '0009_drawdown_settlement_account_core_loan_number'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='drawdown',
            index=models.Index(fields=['village', 'applied_on', 'id'], include=('status',), name='drawdown_village_applied'),
        ),
    ]
