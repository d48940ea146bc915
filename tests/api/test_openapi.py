import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_description_is_generated_from_the_endpoints(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/tickets/check" in schema["paths"]
    assert (
        "BearerAuth" in str(schema["components"]["securitySchemes"])
        or schema["components"]["securitySchemes"]
    )


def test_the_docs_page_loads_its_scripts_from_this_server(client: Client) -> None:
    page = client.get("/api/docs").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
