"""A FastAgency OpenAPI client that does not trust the document it is built from.

- The document is fetched without following redirects, size-limited, optionally pinned by its
  SHA-256, and reduced to a checked allow-list (openapi_document.py) before any code is
  generated from it.
- Calls, and the credential with them, only go to one origin: the document's own, or an explicit
  base URL. Redirects are never followed; every call has a timeout.
- The client is built once per process (per source and operations) and then reused; each run
  gives it the credential the API's settings choose (credentials.py).
- Errors never carry the credential: requests puts whole URLs (query-string keys included) in its
  error texts, so they are replaced by short ones.
"""

import functools
import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from fastagency.api.openapi import OpenAPI
from fastagency.api.openapi.security import BaseSecurityParameters

from ..settings import APISettings
from .credentials import APIClientError, credential_for, refuse_redirect
from .openapi_document import (
    DocumentRefused,
    checked_base_url,
    origin,
    reduced_document,
    server_base_url,
)

# Far above any real API description; a bound on what a hostile server can make us parse.
MAX_DOCUMENT_BYTES = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class APISource:
    """Where an API's OpenAPI document is and how far to trust it; `name` prefixes the settings."""

    name: str
    document_url: str
    sha256: str | None = None
    base_url: str | None = None
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, api: APISettings) -> "APISource":
        return cls(
            name=api.prefix.rstrip("_"),
            document_url=api.required("openapi_url"),
            sha256=api.openapi_sha256,
            base_url=api.api_base_url,
            timeout_seconds=api.timeout_seconds,
        )

    @property
    def url_setting(self) -> str:
        return f"{self.name}_OPENAPI_URL"

    @property
    def label(self) -> str:
        return f"the {self.name.lower()} API"

    def refused(self, reason: str) -> APIClientError:
        return APIClientError(f"{self.url_setting} document refused: {reason}")


class OpenAPIClient(OpenAPI):  # type: ignore[misc]
    """FastAgency's client with our code template, a timeout, and no redirects on every call."""

    timeout_seconds: float = 10.0

    @classmethod
    def _get_template_dir(cls) -> Path:
        # fastagency's default folder is shared with ag2's templates and breaks generation.
        return Path(__file__).parents[1] / "openapi_template"

    def _process_params(
        self, path: str, func: Callable[..., Any], **kwargs: Any
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        url, params, request_kwargs = super()._process_params(path, func, **kwargs)
        request_kwargs["timeout"] = self.timeout_seconds
        request_kwargs["allow_redirects"] = False
        request_kwargs["hooks"] = {"response": [refuse_redirect]}
        return url, params, request_kwargs

    def apply_credential(
        self,
        credential: BaseSecurityParameters | None,
        operation_ids: Sequence[str],
        chosen_by: str,
    ) -> None:
        """Use `credential` (`chosen_by` a setting) for the operations, once sure the API
        accepts that scheme for them."""
        sent = credential.get_security_class().__name__ if credential else "no credential"
        for name in operation_ids:
            schemes = self._security.get(name, [])
            if schemes and not (credential and any(s.accept(credential) for s in schemes)):
                wanted = " or ".join(type(scheme).__name__ for scheme in schemes)
                # fastagency's own mismatch error would print the credential itself.
                raise APIClientError(
                    f"{self._title} wants {wanted} for {name}, but {chosen_by} sends {sent}"
                )
        if credential:
            self.set_security_params(credential)


# Code generation changes the working directory and is not thread-safe; one build at a time,
# which also makes sure concurrent first uses build the client once.
_build_lock = threading.Lock()
_clients: dict[tuple[APISource, tuple[str, ...]], OpenAPIClient] = {}


def create_client(api: APISettings, operation_ids: Sequence[str]) -> OpenAPIClient:
    """The client for an API's operations, with the credential its settings choose."""
    credential = credential_for(api)  # a missing credential stops us before any request
    client = openapi_client(APISource.from_settings(api), operation_ids)
    chosen_by = f"{api.variable('api_auth')}={api.required('api_auth').strip()}"
    client.apply_credential(credential, operation_ids, chosen_by)
    return client


def openapi_client(source: APISource, operation_ids: Sequence[str]) -> OpenAPIClient:
    """The client for `source`'s operations: built on first use, then reused by the process."""
    key = (source, tuple(operation_ids))
    with _build_lock:
        if key not in _clients:
            _clients[key] = _build_client(source, key[1])
        return _clients[key]


def fetch_document(source: APISource) -> bytes:
    """The document's bytes as served (no redirects followed, size-limited)."""
    try:
        origin(source.document_url)
    except ValueError:
        raise APIClientError(f"{source.url_setting} is not a plain http(s) URL") from None
    try:
        with requests.get(
            source.document_url,
            timeout=source.timeout_seconds,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.is_redirect:
                raise source.refused(
                    f"it answered HTTP {response.status_code}, a redirect, which is not followed: "
                    f"set {source.url_setting} to the final URL"
                )
            response.raise_for_status()
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise APIClientError(
            f"cannot load {source.label} description from {source.url_setting} "
            f"({source.document_url}): {type(error).__name__}"
        ) from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise source.refused(f"it is larger than {MAX_DOCUMENT_BYTES} bytes")
    return bytes(body)


def sha256_of(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


def check_pin(source: APISource, document: bytes) -> None:
    """Refuse a document other than the one pinned by `<NAME>_OPENAPI_SHA256`, if set."""
    if not source.sha256:
        return
    pinned = source.sha256.strip().lower()
    if not _SHA256.fullmatch(pinned):
        raise APIClientError(f"{source.name}_OPENAPI_SHA256 is not a SHA-256 hex digest")
    actual = sha256_of(document)
    if actual != pinned:
        raise source.refused(
            f"its SHA-256 is {actual}, but {source.name}_OPENAPI_SHA256 pins {pinned}"
        )


def parse_document(source: APISource, document: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(document)
    except (ValueError, RecursionError):
        raise source.refused("it is not JSON") from None
    if not isinstance(parsed, dict):
        raise source.refused("it is not a JSON object")
    return parsed


def checked_document(
    source: APISource, document: bytes, operation_ids: Sequence[str]
) -> dict[str, Any]:
    """The reduced document the client is generated from (see openapi_document.py)."""
    check_pin(source, document)
    parsed = parse_document(source, document)
    try:
        base_url = _configured_base_url(source) or server_base_url(parsed, source.document_url)
        return reduced_document(parsed, operation_ids, base_url, title=source.label)
    except DocumentRefused as refusal:
        raise source.refused(str(refusal)) from None


def _configured_base_url(source: APISource) -> str | None:
    """`<NAME>_API_BASE_URL`, checked; when set, the document's servers are ignored."""
    if not source.base_url:
        return None
    try:
        return checked_base_url(source.base_url, f"{source.name}_API_BASE_URL")
    except DocumentRefused as refusal:
        raise APIClientError(str(refusal)) from None


def _build_client(source: APISource, operation_ids: Sequence[str]) -> OpenAPIClient:
    reduced = checked_document(source, fetch_document(source), operation_ids)
    try:
        api: OpenAPIClient = OpenAPIClient.create(openapi_json=json.dumps(reduced))
    except Exception as error:  # the generators' failures are many and undocumented
        raise source.refused(
            f"no client could be generated from it ({type(error).__name__})"
        ) from None
    api.timeout_seconds = source.timeout_seconds
    for name in operation_ids:
        api.set_function(name, _errors_without_secrets(api.get_function(name), source))
    return api


def _errors_without_secrets(call: Callable[..., Any], source: APISource) -> Callable[..., Any]:
    @functools.wraps(call)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except requests.HTTPError as error:
            # Raised by a token exchange; data requests hand the API's answer to the agent.
            answer = error.response
            status = "" if answer is None else f": HTTP {answer.status_code} {answer.text[:200]}"
            raise APIClientError(f"{source.label} refused the request{status}") from None
        except requests.Timeout:
            raise APIClientError(
                f"{source.label} did not answer within {source.timeout_seconds:g} s"
            ) from None
        except requests.RequestException as error:
            raise APIClientError(
                f"{source.label} request failed ({type(error).__name__})"
            ) from None

    return guarded
