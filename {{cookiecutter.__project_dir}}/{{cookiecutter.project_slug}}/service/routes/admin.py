"""What administrators may do to other accounts."""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.orm import Session

from ..accounts import UserError, disable_user, get_user, revoke_all_tokens
from ..deps import AdminUser, DbDep
from ..models import User

router = APIRouter(prefix="/admin", tags=["users"], responses={401: {}, 403: {}})


def _target(db: Session, username: str) -> User:
    try:
        return get_user(db, username)
    except UserError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user") from None


@router.post(
    "/users/{username}/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {}},
)
def disable(username: str, _: AdminUser, db: DbDep) -> None:
    """Disable an account and end all its sessions."""
    disable_user(db, _target(db, username))


@router.post(
    "/users/{username}/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {}},
)
def force_logout(username: str, _: AdminUser, db: DbDep) -> None:
    """End every session of an account (it can sign in again)."""
    revoke_all_tokens(db, _target(db, username))
