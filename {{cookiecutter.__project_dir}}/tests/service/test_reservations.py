"""Workflow reservations, in the database: bound to their user, single use, expiring, limited per
user, and claimed atomically (of parallel claims of one reservation, exactly one wins)."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.service.models import WorkflowReservation
from {{ cookiecutter.project_slug }}.service.runs.reservations import Reservations, TooManyReservations

from ..utils.accounts import MakeUser
from ..utils.postgres import BOTH_DATABASES

pytestmark = BOTH_DATABASES

PARALLEL = 8


@pytest.fixture
def users(make_user: MakeUser) -> tuple[str, str]:
    """Alice's and Bob's public ids: what reservations are bound to."""
    return make_user("alice").public_id, make_user("bob").public_id


def reservations(
    app: FastAPI, *, lifetime_seconds: float = 60, max_per_user: int = 3
) -> Reservations:
    return Reservations(
        app.state.engine, lifetime_seconds=lifetime_seconds, max_per_user=max_per_user
    )


def all_at_once(function: Callable[[], object]) -> list[object]:
    """`function` called from PARALLEL threads released together; what each returned or raised."""
    barrier = threading.Barrier(PARALLEL)

    def call() -> object:
        barrier.wait()
        try:
            return function()
        except Exception as error:
            return error

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda _: call(), range(PARALLEL)))


def test_a_reservation_starts_its_workflow_with_its_parameters_once(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, _ = users
    held = reservations(app)
    reservation_id = held.reserve(alice, "weather", {"question": "Paris?", "user": "alice"})

    claimed = held.claim(reservation_id, alice)

    assert claimed is not None
    assert (claimed.name, claimed.params) == ("weather", {"question": "Paris?", "user": "alice"})
    assert held.claim(reservation_id, alice) is None


def test_another_users_claim_is_refused_and_leaves_the_reservation_usable(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, bob = users
    held = reservations(app)
    reservation_id = held.reserve(alice, "weather", {})

    assert held.claim(reservation_id, bob) is None
    assert held.claim(reservation_id, alice) is not None


def test_reservation_not_claimed_in_time_is_refused_and_frees_its_place(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, _ = users
    held = reservations(app, lifetime_seconds=0, max_per_user=1)
    expired = held.reserve(alice, "weather", {})

    assert held.claim(expired, alice) is None
    held.reserve(alice, "weather", {})  # no TooManyReservations: it no longer counts


def test_reservations_over_the_users_limit_are_refused_with_a_time_to_wait(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, bob = users
    held = reservations(app, lifetime_seconds=60, max_per_user=2)
    held.reserve(alice, "weather", {})
    held.reserve(alice, "weather", {})

    with pytest.raises(TooManyReservations) as refused:
        held.reserve(alice, "weather", {})

    assert 1 <= refused.value.retry_after_seconds <= 60
    held.reserve(bob, "weather", {})  # the limit is per user


def test_of_parallel_claims_of_one_reservation_exactly_one_starts_the_workflow(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, _ = users
    held = reservations(app)
    reservation_id = held.reserve(alice, "weather", {})

    claims = all_at_once(lambda: held.claim(reservation_id, alice))

    assert [claim for claim in claims if isinstance(claim, Exception)] == []
    assert sum(claim is not None for claim in claims) == 1


def test_parallel_reservations_never_exceed_the_users_limit(
    app: FastAPI, users: tuple[str, str]
) -> None:
    alice, _ = users
    held = reservations(app, max_per_user=3)

    outcomes = all_at_once(lambda: held.reserve(alice, "weather", {}))

    assert sum(isinstance(outcome, str) for outcome in outcomes) == 3
    assert all(isinstance(outcome, (str, TooManyReservations)) for outcome in outcomes), outcomes


def test_reservation_ids_are_stored_hashed(
    app: FastAPI, db: Session, users: tuple[str, str]
) -> None:
    alice, _ = users
    reservation_id = reservations(app).reserve(alice, "weather", {})

    stored = db.scalars(select(WorkflowReservation.id_hash)).all()

    assert len(stored) == 1 and reservation_id not in stored[0]
