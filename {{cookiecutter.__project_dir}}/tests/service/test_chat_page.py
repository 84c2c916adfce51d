"""The chat page as a browser fetches it: its policy, its labels, its files, and the way to it.
(tests/service/test_chat_in_a_browser.py drives it in Chromium.)"""

from html.parser import HTMLParser

from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import MakeUser, bearer, sign_in

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Controls(HTMLParser):
    """The form controls of a page, the labels' targets, and every URL it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str | None] = set()
        self.urls: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.controls.append(attributes)
        if tag == "label":
            self.labelled.add(attributes.get("for"))
        self.urls += [attributes[name] for name in ("src", "href") if name in attributes]


def controls_of(page: str) -> Controls:
    parser = Controls()
    parser.feed(page)
    return parser


def test_the_chat_page_has_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/chat")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_control_of_the_chat_page_has_a_label(client: TestClient) -> None:
    controls = controls_of(client.get("/chat").text)

    names = {control.get("name") for control in controls.controls}
    assert {"username", "password", "workflow", "question", "answer"} <= names
    unlabelled = [c for c in controls.controls if c.get("id") not in controls.labelled]
    assert unlabelled == []


def test_the_chat_page_loads_its_files_from_the_service_only(client: TestClient) -> None:
    page = client.get("/chat").text
    urls = controls_of(page).urls

    assert urls == ["chat/assets/icon.svg", "chat/assets/chat.css", "chat/assets/chat.js"]
    assert "<script>" not in page and "style=" not in page  # nothing inline: the policy forbids it
    script, style = client.get("/chat/assets/chat.js"), client.get("/chat/assets/chat.css")
    assert script.status_code == style.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    assert "://" not in script.text + style.text  # nor do they load anything from elsewhere


def test_a_browser_at_the_services_address_is_sent_to_the_chat_page(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER_ACCEPT}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["Location"] == "chat"


def test_api_clients_still_get_the_workflows_as_json(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("alice")
    token = sign_in(client)["access_token"]

    anonymous = client.get("/", headers={"Accept": "application/json"})
    listed = client.get("/", headers=bearer(token))

    assert anonymous.status_code == 401
    assert listed.json() == ["weather"]


def test_the_page_says_it_is_a_demo_when_the_service_is_one(settings: Settings) -> None:
    demo = settings.model_copy(update={"demo": True})
    with TestClient(create_app(demo)) as demo_client:
        page = demo_client.get("/chat").text

    assert '<body data-demo="true">' in page and "Demo: no LLM involved" in page
