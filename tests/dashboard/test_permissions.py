"""Who may open the admin: staff only, and each list only with its model permission."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/user/user/", "/admin/order/order/", "/admin/ticket/ticket/"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("page", PAGES)
def test_customers_who_are_not_staff_are_sent_to_the_login_page(client: Client, page: str) -> None:
    client.force_login(UserFactory.create(is_staff=False))
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "page",
    ["/admin/user/user/", "/admin/order/order/", "/admin/ticket/ticket/", "/admin/utils/job/"],
)
def test_staff_without_the_model_permission_are_refused(client: Client, page: str) -> None:
    client.force_login(UserFactory.create(is_staff=True))
    assert client.get(page).status_code == 403


def test_staff_with_a_view_permission_see_that_list_only(client: Client) -> None:
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    order = OrderFactory.create()
    assert client.get("/admin/order/order/").status_code == 200
    assert client.get(f"/admin/order/order/{order.pk}/change/").status_code == 200
    assert client.get("/admin/ticket/ticket/").status_code == 403
    assert client.post(f"/admin/order/order/{order.pk}/change/", {}).status_code == 403
