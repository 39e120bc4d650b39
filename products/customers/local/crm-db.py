"""Local data of the CRM query: one active customer per tenant of the stack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.local.inputs.context import LocalContext


def rows(ctx: LocalContext) -> Iterator[dict[str, Any]]:
    for tenant in ctx.tenants:
        yield {
            "customer_id": tenant,
            "legal_name": f"{tenant.title()} Ltd",
            "industry": "offices",
            "country_code": "de",
            "contact_email": f"facilities@{tenant}.example",
            "created_at": ctx.timestamp(ctx.start - timedelta(days=365)),
            "status": "active",
        }
