"""Device tokens: proof that a client has signed in to an account before.

A successful sign-in gives the client a signed token naming the account (its public id); the
token's random `jti` is the device's id. It travels as an HttpOnly cookie, which browsers and
HTTP clients with a cookie jar send back by themselves. Nothing is stored: deleting the account
makes its device tokens worthless, since the next account of that name has another public id.
"""

from datetime import timedelta
from typing import Annotated, NamedTuple

import jwt
from fastapi import Depends, Request, Response

from ...settings import Settings
from ..models import User
from .tokens import create_token, decode_token

DEVICE_COOKIE = "login_device"


class Client(NamedTuple):
    """Who is checking a password: the socket's peer address, and its device token if any."""

    address: str
    device_token: str | None


def issue_device_token(settings: Settings, user: User) -> str:
    token, _ = create_token(
        settings,
        subject=user.public_id,
        kind="device",
        lifetime=timedelta(days=settings.login_trusted_device_days),
    )
    return token


def trusted_device_id(settings: Settings, token: str | None, user: User | None) -> str | None:
    """The device id, if `token` is a valid device token for this very account."""
    if not token or user is None:
        return None
    try:
        claims = decode_token(settings, token, "device")
    except jwt.InvalidTokenError:
        return None
    if claims["sub"] != user.public_id:
        return None
    return str(claims["jti"])


async def get_client(request: Request) -> Client:
    # uvicorn has already replaced the peer with the X-Forwarded-For address if, and only if,
    # the peer is in --forwarded-allow-ips; no header is read here.
    address = request.client.host if request.client else "unknown"
    return Client(address, request.cookies.get(DEVICE_COOKIE))


ClientDep = Annotated[Client, Depends(get_client)]


def set_device_cookie(request: Request, response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=settings.login_trusted_device_days * 24 * 60 * 60,
        httponly=True,  # out of reach of scripts
        samesite="strict",
        secure=request.url.scheme == "https",  # a secure cookie would never come back over http
    )
