"""The form of a token or revocation request (RFC 6749 §3.2, RFC 7009 §2.1), read by hand.

Which fields are required depends on `grant_type`, and a missing one must be a 400
`invalid_request`, not FastAPI's 422: so the form is parsed here, bounded in fields and files
(the body itself is capped by middleware/body_limit.py).
"""

from typing import Annotated

from fastapi import Depends, Request, status
from starlette.exceptions import HTTPException

from .errors import OAuthError

MAX_FIELDS = 16  # a token request has at most seven


async def read_token_form(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except HTTPException as error:
        if error.status_code != status.HTTP_400_BAD_REQUEST:
            raise  # 413 from the body cap stays a 413
        raise OAuthError("invalid_request", "The body is not a valid form") from None
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        # RFC 6749 §3.2: parameters must not be sent more than once.
        if not isinstance(value, str) or name in fields:
            raise OAuthError("invalid_request", "A parameter was sent twice or as a file")
        fields[name] = value
    return fields


TokenForm = Annotated[dict[str, str], Depends(read_token_form)]


def required(fields: dict[str, str], name: str) -> str:
    # RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
    value = fields.get(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing parameter: {name}")
    return value
