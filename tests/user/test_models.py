import pytest
from django.db import IntegrityError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_database_rejects_a_duplicate_email() -> None:
    UserFactory.create(email="ann@example.com")
    with pytest.raises(IntegrityError):
        UserFactory.create(email="ann@example.com")
