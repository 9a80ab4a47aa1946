"""Issue 18: the web's PostgreSQL connections run without parallel query (on a small server it only takes cores from
the other requests), unless DB_PARALLEL_WORKERS says otherwise."""

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's setting")
def test_parallel_query_is_off_for_the_web():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
