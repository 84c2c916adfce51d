"""`{{ cookiecutter.project_slug }} users ...` and `db ...`: the service's accounts and database
schema, from a shell; and `demo` (demo/command.py).

Passwords are read from a prompt, or from standard input when it is not a terminal; never from
the command line, where other users of the machine could read them.
"""

import argparse
import sys

from sqlalchemy.orm import Session

from ..demo.command import add_demo_command
from ..settings import Settings
from .accounts import (
    UserError,
    create_user,
    disable_user,
    get_user,
    set_password,
    set_role,
)
from .auth.passwords import PasswordRejected, read_password
from .auth.sessions import delete_user
from .db import open_configured_database
from .models import ROLES, User
from .schema import SchemaError, check_schema, new_revision, upgrade


def add_service_commands(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `users ...`, `db ...` and `demo` to the project's console command (see the package's
    cli.py)."""
    add_demo_command(groups)
    database = groups.add_parser("db", help="manage the database schema (Alembic migrations)")
    database.set_defaults(run=run_database_command)
    database_commands = database.add_subparsers(dest="command", required=True)
    database_commands.add_parser("upgrade", help="bring the database to the latest schema")
    revision = database_commands.add_parser(
        "revision", help="write a migration for what models.py adds or changes"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration does")

    users = groups.add_parser("users", help="manage service accounts")
    users.set_defaults(run=run_user_command)
    commands = users.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="add an account (password from prompt or stdin)")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="user")
    commands.add_parser("disable", help="disable an account and end its sessions").add_argument(
        "username"
    )
    commands.add_parser(
        "delete", help="delete an account and its sessions; a new one of that name starts afresh"
    ).add_argument("username")
    commands.add_parser("list", help="list accounts")
    set_role_command = commands.add_parser("set-role", help="change an account's role")
    set_role_command.add_argument("username")
    set_role_command.add_argument("role", choices=ROLES)
    commands.add_parser(
        "reset-password", help="set a new password (from prompt or stdin); ends all sessions"
    ).add_argument("username")


def run(arguments: argparse.Namespace, db: Session, settings: Settings) -> str:
    """Carry out one command; return what to print."""
    min_length = settings.password_min_length
    if arguments.command == "list":
        users = db.query(User).order_by(User.username).all()
        return "\n".join(
            f"{user.username}\t{user.role}\t{'disabled' if user.disabled else 'active'}"
            for user in users
        )
    if arguments.command == "create":
        create_user(
            db, arguments.username, read_password(), role=arguments.role, min_length=min_length
        )
        return f"created {arguments.username} ({arguments.role})"
    user = get_user(db, arguments.username)
    if arguments.command == "disable":
        disable_user(db, user)
        return f"disabled {user.username}"
    if arguments.command == "delete":
        delete_user(db, user)
        return f"deleted {arguments.username}; its sessions have ended"
    if arguments.command == "set-role":
        set_role(db, user, arguments.role)
        return f"{user.username} is now {arguments.role}"
    if arguments.command == "reset-password":
        set_password(db, user, read_password(), min_length=min_length)
        return f"password of {user.username} reset; its sessions have ended"
    raise AssertionError(f"unknown command {arguments.command!r}")  # argparse allows no other


def run_user_command(arguments: argparse.Namespace) -> int:
    """Carry out one `users ...` command against the configured database; the exit status."""
    settings = Settings()
    engine = open_configured_database(settings)
    with Session(engine) as db:
        try:
            check_schema(engine)
            print(run(arguments, db, settings))
        except (UserError, PasswordRejected, SchemaError) as refusal:
            print(f"error: {refusal}", file=sys.stderr)
            return 1
    return 0


def run_database_command(arguments: argparse.Namespace) -> int:
    """Carry out one `db ...` command against the configured database; the exit status."""
    engine = open_configured_database(Settings())
    try:
        if arguments.command == "upgrade":
            upgrade(engine)
            print("the database schema is up to date")
        else:
            print(f"wrote {new_revision(engine, arguments.message)}: read it, then run db upgrade")
    except SchemaError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    return 0
