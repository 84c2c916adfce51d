"""A report on an API's OpenAPI document for a person to review, and the line that pins it.

Nothing is generated or imported here: the document is fetched, hashed, listed and checked.
"""

from collections.abc import Sequence

from ..settings import APISettings
from .credentials import APIClientError
from .openapi import (
    APISource,
    checked_document,
    fetch_document,
    parse_document,
    sha256_of,
)
from .openapi_document import DocumentRefused, operations


def review(api: APISettings, operation_ids: Sequence[str]) -> tuple[bool, str]:
    """Whether the client would accept the API's document, and the report to print."""
    source = APISource.from_settings(api)
    document = fetch_document(source)
    digest = sha256_of(document)
    lines = [f"{source.url_setting}: {source.document_url}", f"SHA-256: {digest}"]
    try:
        listed = operations(parse_document(source, document))
        lines.append("operations (* = called by the agent):")
        lines += [
            f"  {'*' if operation_id in operation_ids else ' '} {method.upper()} "
            f"{_printable(path)} {_printable(operation_id)}"
            for method, path, operation_id in listed
        ]
        checked = checked_document(source, document, operation_ids)
    except DocumentRefused as refusal:
        return False, "\n".join([*lines, str(source.refused(str(refusal)))])
    except APIClientError as refusal:
        return False, "\n".join([*lines, str(refusal)])
    lines += [
        f"calls and the credential go to: {checked['servers'][0]['url']}",
        "accepted. To refuse any other document from now on, put this line in .env:",
        f"{source.name}_OPENAPI_SHA256={digest}",
    ]
    return True, "\n".join(lines)


def _printable(text: str) -> str:
    # The document's own text must not drive the terminal (escape sequences, fake lines).
    return text if text.isprintable() else ascii(text)
