"""Liveness, for load balancers and uptime probes: no authentication, no database."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
@router.head("/health", include_in_schema=False)  # what many uptime probes send
async def health() -> dict[str, str]:
    return {"status": "ok"}
