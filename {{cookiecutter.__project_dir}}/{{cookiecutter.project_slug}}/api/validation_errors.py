"""422 answers that say what was wrong with a request, never what was sent.

FastAPI's default echoes each invalid field's `input`: a password, a token, a whole form.
"""

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def validation_error_without_input(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    details = [
        {key: value for key, value in problem.items() if key != "input"}
        for problem in error.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(details)})
