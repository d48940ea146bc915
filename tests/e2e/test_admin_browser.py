"""The admin in a real browser: log in, find a ticket, rotate its order's tokens, follow the job.

Each step waits for the page to reach a state (WebDriverWait), never for a time.
"""

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conftest import WAIT_SECONDS
from tests.factories import OrderFactory, TicketFactory, UserFactory
from ticket.models import Ticket
from user.models import User

# The live server answers from its own thread: the data must be committed to be seen.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-Correct-horse-42"


def user_with_password(**fields: Any) -> User:
    user = UserFactory.create(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def shown(browser: WebDriver, css: str, what: str) -> WebElement:
    """The visible element, once the page shows it."""
    element: WebElement = WebDriverWait(browser, WAIT_SECONDS).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css)),
        f"{what} ({css}) not shown on {browser.current_url}",
    )
    return element


def at(browser: WebDriver, url: str) -> None:
    """Wait until the browser is at the address."""
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.url_to_be(url), f"expected {url}, the browser is at {browser.current_url}"
    )


def click_to_next_page(browser: WebDriver, element: WebElement) -> None:
    """Click, then wait until the browser has left the page."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.staleness_of(page), f"no new page after the click on {browser.current_url}"
    )


def text_until(browser: WebDriver, css: str, accept: Callable[[str], bool], what: str) -> str:
    """The element's text once `accept` takes it, reloading the page between looks (for a
    state that another thread or process moves on)."""

    def look(driver: WebDriver) -> str | bool:
        elements = driver.find_elements(By.CSS_SELECTOR, css)
        if elements and accept(elements[0].text.strip()):
            return elements[0].text.strip()
        driver.refresh()
        return False

    text = WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=[StaleElementReferenceException]
    ).until(look, f"{what} ({css}) never reached an awaited value on {browser.current_url}")
    assert isinstance(text, str)
    return text


def log_in(browser: WebDriver, live_server: LiveServer, user: User) -> None:
    browser.get(live_server.url + "/admin/login/")
    shown(browser, "#id_username", "the login form").send_keys(user.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    click_to_next_page(browser, browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]"))


def test_staff_rotates_an_orders_tokens_in_the_browser(
    live_server: LiveServer, browser: WebDriver
) -> None:
    staff = user_with_password(is_staff=True, is_superuser=True)
    order = OrderFactory.create(customer=UserFactory.create())
    tickets = TicketFactory.create_batch(3, order=order)
    ticket = tickets[1]
    tokens_before = {t.pk: t.token for t in tickets}
    another_ticket = TicketFactory.create()  # of another order

    # Logged in, the admin's home page shows the dashboard chart.
    log_in(browser, live_server, staff)
    at(browser, live_server.url + "/admin/")
    shown(browser, "svg#tickets-per-day", "the dashboard's tickets-per-day chart")

    # The ticket list finds the ticket by its exact barcode; its row links to its order.
    browser.get(live_server.url + "/admin/ticket/ticket/")
    shown(browser, "#searchbar", "the search box").send_keys(ticket.barcode)
    click_to_next_page(
        browser, browser.find_element(By.CSS_SELECTOR, "#changelist-search [type=submit]")
    )
    rows = shown(browser, "#result_list", "the search's results").find_elements(
        By.CSS_SELECTOR, "tbody tr"
    )
    assert [row.find_element(By.CSS_SELECTOR, ".field-barcode").text for row in rows] == [
        ticket.barcode
    ]
    click_to_next_page(browser, rows[0].find_element(By.CSS_SELECTOR, "td.field-order_link a"))
    at(browser, f"{live_server.url}/admin/order/order/{order.pk}/change/")

    # The orders list: the order selected, the action chosen, then confirmed.
    browser.get(live_server.url + "/admin/order/order/")
    shown(
        browser, f"#result_list input.action-select[value='{order.pk}']", "the order's checkbox"
    ).click()
    Select(shown(browser, "select[name=action]", "the actions menu")).select_by_value(
        "regenerate_tokens"
    )
    click_to_next_page(browser, browser.find_element(By.CSS_SELECTOR, "button[name=index]"))
    confirm = shown(browser, "[type=submit][name=confirm]", "the confirmation's button")
    click_to_next_page(browser, confirm)

    # The success message links to the job, which completes. Its page shows the job's state
    # (its recorded status, or "stalled" for a running job that no worker holds).
    message = shown(browser, "ul.messagelist li.success", "the success message")
    job_link = message.find_element(By.CSS_SELECTOR, "a[href*='/admin/utils/job/']")
    click_to_next_page(browser, job_link)
    WebDriverWait(browser, WAIT_SECONDS).until(ec.url_contains("/admin/utils/job/"))
    status = text_until(
        browser,
        ".field-state .readonly",
        lambda text: text.lower() in {"completed", "failed", "abandoned", "stalled"},
        "the job's state",
    )
    assert status.lower() == "completed"

    # Every ticket of the order has a new token; the ticket's page shows only its new hint.
    tokens_after = {t.pk: t.token for t in Ticket.objects.filter(order=order)}
    assert tokens_after.keys() == tokens_before.keys()
    assert all(tokens_after[pk] != tokens_before[pk] for pk in tokens_before)
    assert Ticket.objects.get(pk=another_ticket.pk).token == another_ticket.token
    old_token, new_token = tokens_before[ticket.pk], tokens_after[ticket.pk]
    browser.get(f"{live_server.url}/admin/ticket/ticket/{ticket.pk}/change/")
    hint = shown(browser, ".field-token_hint .readonly", "the ticket's token hint").text.strip()
    assert hint == f"…{str(new_token)[-4:]}"
    page = browser.page_source
    for token in (new_token, old_token):
        assert str(token) not in page
        assert token.hex not in page


def test_non_staff_account_is_refused(live_server: LiveServer, browser: WebDriver) -> None:
    customer = user_with_password(is_staff=False)

    log_in(browser, live_server, customer)

    error = shown(browser, ".errornote", "the login error")
    assert "staff account" in error.text
    assert browser.current_url.startswith(live_server.url + "/admin/login/")
    browser.get(live_server.url + "/admin/")
    WebDriverWait(browser, WAIT_SECONDS).until(ec.url_contains("/admin/login/"))
    assert browser.find_elements(By.ID, "login-form")
