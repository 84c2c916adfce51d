"""Which parts of an outside OpenAPI document may reach the generated client, and in what form.

The client is Python generated from the document and then imported, so every value the code
generators see could become code. Instead of the document, they get a reduced copy rebuilt here
from an allow-list: only the operations the agent calls, names that are plain identifiers or
HTTP tokens, parameters of simple JSON types, and nothing else (titles, schemas, response models
and parameter descriptions are left out). Anything else is refused with one line naming the field.
"""

import json
import keyword
import math
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

# The methods fastagency's client implements.
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# RFC 9110, section 5.6.2: the characters of a header field name (and of our cookie/query names).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# A path of unreserved characters and whole-segment {parameters}; it must start with "/" so that
# nothing in it can change the host it is appended to.
_PATH = re.compile(r"(/([A-Za-z0-9._~-]*|\{[A-Za-z_][A-Za-z0-9_]*\}))+")
_SERVER_PATH = re.compile(r"(/[A-Za-z0-9._~-]*)*")
# Enum values and defaults become string literals: no quotes, backslashes or control characters.
_PLAIN_TEXT = re.compile(r"[^\"'\\\x00-\x1f\x7f]{0,200}")
_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
# fastagency's client treats arguments with these names as the request body and the credential.
_RESERVED_PARAMETER_NAMES = ("body", "security")
_API_KEY_PLACES = ("header", "query", "cookie")
_HTTP_SCHEMES = ("bearer", "basic")


class DocumentRefused(ValueError):
    """A document value that must not reach the code generators; the message names its field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")


def origin(url: str) -> str:
    """`scheme://host[:port]` of an http(s) URL; a URL with user info has no origin we accept."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ValueError(f"{url!r} is not a plain http(s) URL")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def checked_base_url(url: str, field: str) -> str:
    """An http(s) base URL without user info, query, fragment or unusual path characters."""
    parts = urlsplit(url)
    try:
        origin(url)
    except ValueError:
        raise DocumentRefused(field, "is not an http(s) URL without user info") from None
    if parts.query or parts.fragment or not _SERVER_PATH.fullmatch(parts.path):
        raise DocumentRefused(field, "has a query, fragment or unusual path characters")
    return url.rstrip("/")


def server_base_url(document: dict[str, Any], document_url: str) -> str:
    """The document's first server, resolved against its own URL; every server must share its origin."""
    servers = document.get("servers") or [{"url": "/"}]  # OpenAPI's default server is "/"
    if not isinstance(servers, list):
        raise DocumentRefused("servers", "is not a list")
    expected = origin(document_url)
    for index, server in enumerate(servers):
        field = f"servers[{index}].url"
        url = server.get("url") if isinstance(server, dict) else None
        if not isinstance(url, str):
            raise DocumentRefused(field, "is not a string")
        resolved = checked_base_url(urljoin(document_url, url), field)
        if origin(resolved) != expected:
            raise DocumentRefused(
                field, f"names a server other than {expected}, where the document comes from"
            )
    return checked_base_url(urljoin(document_url, servers[0]["url"]), "servers[0].url")


def reduced_document(
    document: dict[str, Any], operation_ids: Sequence[str], base_url: str, title: str
) -> dict[str, Any]:
    """The parts of `document` the client needs for `operation_ids`, checked, calling `base_url`."""
    found = _operations_by_id(document)
    missing = sorted(set(operation_ids) - set(found))
    if missing:
        raise DocumentRefused("paths", f"lacks the operations {missing}")
    components = _as_dict(document.get("components", {}), "components")
    schemes = _as_dict(components.get("securitySchemes", {}), "components.securitySchemes")
    paths: dict[str, dict[str, Any]] = {}
    used_schemes: dict[str, Any] = {}
    for operation_id in operation_ids:
        path, method, operation, path_parameters = found[operation_id]
        field = f"paths[{json.dumps(path)}].{method}"
        security = _security_requirements(
            operation.get("security", document.get("security", [])), schemes, f"{field}.security"
        )
        for name in {key for requirement in security for key in requirement}:
            used_schemes[name] = _security_scheme(
                schemes[name], base_url, f"components.securitySchemes.{name}"
            )
        parameters = _parameters(path, path_parameters, operation, field)  # checks `path` too
        paths.setdefault(path, {})[method] = {
            "operationId": operation_id,
            "description": _text(operation.get("description") or operation.get("summary") or ""),
            "parameters": parameters,
            # Any JSON (the agent gets the answer as it is): no response models to generate.
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {}}}}
            },
            "security": security,
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "servers": [{"url": base_url}],
        "paths": paths,
        # fastagency's code generator visitor needs the key even when it is empty.
        "components": {"securitySchemes": used_schemes},
    }


def operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, operationId) of every operation, for a person to review."""
    return [
        (method, path, str(operation.get("operationId", "")))
        for path, item in _as_dict(document.get("paths", {}), "paths").items()
        if isinstance(item, dict)
        for method, operation in item.items()
        if method in HTTP_METHODS and isinstance(operation, dict)
    ]


def _operations_by_id(
    document: dict[str, Any],
) -> dict[str, tuple[str, str, dict[str, Any], Any]]:
    """Each operation by its id, with its path, method and the path's shared parameters."""
    found: dict[str, tuple[str, str, dict[str, Any], Any]] = {}
    for path, item in _as_dict(document.get("paths", {}), "paths").items():
        item = _as_dict(item, f"paths[{json.dumps(path)}]")
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            operation_id = operation.get("operationId")
            if not isinstance(operation_id, str):
                continue
            if operation_id in found:
                raise DocumentRefused(
                    f"operationId {json.dumps(operation_id)}", "appears more than once"
                )
            found[operation_id] = (path, method, operation, item.get("parameters", []))
    return found


def _parameters(
    path: str, path_parameters: Any, operation: dict[str, Any], field: str
) -> list[dict[str, Any]]:
    if not _PATH.fullmatch(path):
        raise DocumentRefused(
            f"paths[{json.dumps(path)}]", "is not a path of plain characters starting with /"
        )
    if "requestBody" in operation:
        raise DocumentRefused(f"{field}.requestBody", "is not supported (only parameters are)")
    declared = [
        *_as_list(path_parameters, f"paths[{json.dumps(path)}].parameters"),
        *_as_list(operation.get("parameters", []), f"{field}.parameters"),
    ]
    reduced = [
        _parameter(parameter, f"{field}.parameters[{index}]")
        for index, parameter in enumerate(declared)
    ]
    in_path = set(re.findall(r"\{([A-Za-z0-9_]+)\}", path))
    if in_path != {parameter["name"] for parameter in reduced if parameter["in"] == "path"}:
        raise DocumentRefused(f"{field}.parameters", "do not match the {names} in its path")
    return reduced


def _parameter(parameter: Any, field: str) -> dict[str, Any]:
    parameter = _as_dict(parameter, field)
    name = parameter.get("name")
    if not isinstance(name, str) or not _is_identifier(name):
        raise DocumentRefused(f"{field}.name", "is not a Python identifier")
    if name in _RESERVED_PARAMETER_NAMES:
        raise DocumentRefused(f"{field}.name", "is a name fastagency's client reserves")
    place = parameter.get("in")
    if place not in ("query", "path"):
        raise DocumentRefused(f"{field}.in", "is not query or path")
    required = parameter.get("required", False)
    if not isinstance(required, bool) or (place == "path" and not required):
        raise DocumentRefused(f"{field}.required", "is not true or false (true for a path)")
    schema = _parameter_schema(parameter.get("schema", {}), f"{field}.schema")
    return {"name": name, "in": place, "required": required, "schema": schema}


def _parameter_schema(schema: Any, field: str) -> dict[str, Any]:
    schema = _as_dict(schema, field)
    kind = schema.get("type")
    if kind not in _SIMPLE_TYPES:
        raise DocumentRefused(f"{field}.type", "is not string, integer, number or boolean")
    reduced: dict[str, Any] = {"type": kind}
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise DocumentRefused(f"{field}.enum", "is not a list of values")
        reduced["enum"] = [
            _simple_value(value, kind, f"{field}.enum[{index}]")
            for index, value in enumerate(values)
        ]
    if "default" in schema:
        reduced["default"] = _simple_value(schema["default"], kind, f"{field}.default")
    return reduced


def _simple_value(value: Any, kind: str, field: str) -> Any:
    # bool is an int to Python, but not an integer to JSON Schema.
    if isinstance(value, bool) != (kind == "boolean") or not isinstance(value, _SIMPLE_TYPES[kind]):
        raise DocumentRefused(field, f"is not a {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        raise DocumentRefused(field, "is not a finite number")
    if isinstance(value, str) and not _PLAIN_TEXT.fullmatch(value):
        raise DocumentRefused(field, "has quotes, backslashes or control characters")
    return value


def _security_requirements(
    requirements: Any, schemes: dict[str, Any], field: str
) -> list[dict[str, list[str]]]:
    if not isinstance(requirements, list):
        raise DocumentRefused(field, "is not a list")
    for requirement in requirements:
        for name in _as_dict(requirement, field):
            if not _TOKEN.fullmatch(name) or name not in schemes:
                raise DocumentRefused(field, f"names an unknown security scheme {json.dumps(name)}")
    # Scopes are not used by any supported scheme.
    return [{name: [] for name in requirement} for requirement in requirements]


def _security_scheme(scheme: Any, base_url: str, field: str) -> dict[str, Any]:
    scheme = _as_dict(scheme, field)
    kind = scheme.get("type")
    if kind == "apiKey":
        place = scheme.get("in")
        if place not in _API_KEY_PLACES:
            raise DocumentRefused(f"{field}.in", "is not header, query or cookie")
        name = scheme.get("name")
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise DocumentRefused(f"{field}.name", "is not an HTTP header name")
        return {"type": kind, "in": place, "name": name}
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).lower()
        if http_scheme not in _HTTP_SCHEMES:
            raise DocumentRefused(f"{field}.scheme", "is not bearer or basic")
        return {"type": kind, "scheme": http_scheme}
    if kind == "oauth2":
        flows = _as_dict(scheme.get("flows", {}), f"{field}.flows")
        token_url = _as_dict(flows.get("password", {}), f"{field}.flows.password").get("tokenUrl")
        if not isinstance(token_url, str):
            raise DocumentRefused(f"{field}.flows.password.tokenUrl", "is missing")
        # Relative to the server, as OpenAPI says; the password goes nowhere else.
        resolved = urljoin(base_url + "/", token_url)
        if checked_base_url(resolved, f"{field}.flows.password.tokenUrl") != resolved or origin(
            resolved
        ) != origin(base_url):
            raise DocumentRefused(
                f"{field}.flows.password.tokenUrl", f"is not a plain URL on {origin(base_url)}"
            )
        return {"type": kind, "flows": {"password": {"tokenUrl": resolved, "scopes": {}}}}
    raise DocumentRefused(f"{field}.type", "is not apiKey, http or oauth2 (password flow)")


def _text(value: Any) -> str:
    # Descriptions reach the generated code only through the template's tojson.
    return value if isinstance(value, str) else ""


def _is_identifier(name: str) -> bool:
    return bool(_IDENTIFIER.fullmatch(name)) and not keyword.iskeyword(name)


def _as_list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise DocumentRefused(field, "is not a list")
    return value


def _as_dict(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DocumentRefused(field, "is not an object")
    return value
