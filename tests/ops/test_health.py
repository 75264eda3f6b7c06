"""/healthz reports whether the database answers."""

import pytest
from django.db import connections, transaction


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_unreachable_and_recovers(client):
    connection = connections["default"]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: a real refused connection
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200


def _error_from(run) -> BaseException:
    try:
        run()
    except Exception as exc:
        return exc
    raise AssertionError("expected a database error")


@pytest.mark.django_db
def test_a_sql_error_is_a_bug_not_an_unavailable_database():
    from config.middleware import database_unavailable

    def bad_sql():
        with connections["default"].cursor() as cursor, transaction.atomic():
            cursor.execute("SELEC 1")

    assert not database_unavailable(_error_from(bad_sql))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refused_connection_is_an_unavailable_database():
    from config.middleware import database_unavailable

    connection = connections["default"]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        error = _error_from(lambda: connection.ensure_connection())
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert database_unavailable(error)
