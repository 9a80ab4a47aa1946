"""Issue 15, the migration: rounds opened before PanelHousehold existed keep the households they appraised (the
village's households not excluded, the rule of that time); a panel still being formed records nothing."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

from tests.factories import HouseholdFactory

BEFORE = [("appraisal", "0001_initial")]
AFTER = [("appraisal", "0002_panel_round_households")]


@pytest.mark.django_db(transaction=True)
def test_open_rounds_keep_the_households_they_had(county):
    with scopes_disabled():
        kept = HouseholdFactory(village=county.v_a, archive_status="roster")
        archived = HouseholdFactory(village=county.v_a)
        HouseholdFactory(village=county.v_a, archive_status="excluded", exclusion="idle")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Panel = apps.get_model("appraisal", "Panel")
    open_panel = Panel.objects.create(campaign_id=county.campaign.pk, village_id=county.v_a.pk, unit_name="东岭村",
                                      status="open")
    forming = Panel.objects.create(campaign_id=county.campaign.pk, village_id=county.v_a2.pk, unit_name="南坡村")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    PanelHousehold = executor.loader.project_state(AFTER).apps.get_model("appraisal", "PanelHousehold")
    assert set(PanelHousehold.objects.filter(panel_id=open_panel.pk).values_list("household_id", flat=True)) == {
        kept.pk, archived.pk}
    assert not PanelHousehold.objects.filter(panel_id=forming.pk).exists()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as every later test expects it
