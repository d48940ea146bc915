import pytest
from django.test import override_settings

from tests.dashboard.test_dashboard import REDIS_DOWN
from utils.cache import family_bump, family_cached

pytestmark = pytest.mark.django_db


def cached(family: str, answers: list[int]) -> int:
    return family_cached(family=family, key="k", timeout=60, compute=lambda: answers.pop(0))


def test_a_value_is_computed_once_until_its_family_is_bumped() -> None:
    answers = [1, 2, 3]
    assert cached("test-a", answers) == 1
    assert cached("test-a", answers) == 1
    family_bump(family="test-a")
    assert cached("test-a", answers) == 2


def test_bumping_one_family_leaves_the_others() -> None:
    assert cached("test-b", [1]) == 1
    family_bump(family="test-c")
    assert cached("test-b", [2]) == 1


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_every_read_computes_and_none_fails() -> None:
    answers = [1, 2]
    assert cached("test-d", answers) == 1
    family_bump(family="test-d")
    assert cached("test-d", answers) == 2
