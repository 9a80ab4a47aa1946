import datetime

import factory

from surveys.models import Campaign, Questionnaire, Respondent
from tests.factories import HeadOfficeFactory, HouseholdFactory, UserFactory, VillageFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    head_office = factory.SubFactory(HeadOfficeFactory)
    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"2026年第{n}批")
    reference_date = datetime.date(2026, 11, 1)


class RespondentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Respondent

    village = factory.SubFactory(VillageFactory)
    code = factory.Sequence(lambda n: f"R{n:02d}")
    name = factory.Sequence(lambda n: f"评{n}")


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    campaign = factory.SubFactory(CampaignFactory)
    household = factory.SubFactory(HouseholdFactory)
    respondent = factory.SubFactory(RespondentFactory, village=factory.SelfAttribute("..household.village"))
    representative = factory.LazyAttribute(lambda q: q.household.representative)
    amount = 50000
    net_income = 40000
    surveyor = factory.SubFactory(UserFactory)
    surveyed_on = datetime.date(2026, 11, 2)
