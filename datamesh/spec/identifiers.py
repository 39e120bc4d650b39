"""Google Cloud identifier rules for what product names turn into.

Each rule is the documented one, narrowed where the platform wants one
spelling (lowercase, no spaces) so that every product looks the same.
"""

from __future__ import annotations

import hashlib
import re

# Product ids, port names, domains and teams end up in label values, service
# account ids and Dataplex ids: lowercase letters, digits and hyphens.
SLUG = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SLUG_HELP = "lowercase letters, digits and hyphens, starting with a letter, at most 63 characters"

# GCP label values: at most 63 characters, lowercase letters, digits, `_` and `-`.
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")

# BigQuery dataset ids allow letters, digits and `_` up to 1024 characters.
DATASET_ID = re.compile(r"^[a-z][a-z0-9_]{0,1023}$")
VERSIONED_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*)_v(?P<major>[0-9]+)$")
VERSIONED_HELP = "lowercase snake case ending in the contract's major version, e.g. metrics_v1"

# Pub/Sub topic ids: 3-255 characters, start with a letter, not `goog`.
TOPIC_ID = re.compile(r"^(?!goog)[a-zA-Z][a-zA-Z0-9\-_.~+%]{2,254}$")

# BigQuery column names: letters, digits, underscores, starting with a letter or `_`.
COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$")

# Service account ids: 6-30 characters, lowercase letters, digits and hyphens,
# starting with a letter and not ending with a hyphen.
SERVICE_ACCOUNT_ID = re.compile(r"^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$")
SERVICE_ACCOUNT_PREFIX = "dp-"
_SA_MAX = 30
_SA_HASH = 6

GROUP_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def dataset_id(domain: str, product_id: str) -> str:
    """`<domain>_<product>` with hyphens turned into underscores."""
    return f"{domain}_{product_id}".replace("-", "_")


def service_account_id(product_id: str) -> str:
    """A valid service account id for a product, deterministic and collision-free.

    Short ids become `dp-<product>`; ids that do not fit in 30 characters keep
    a readable prefix and end in a hash of the full id, so two long ids that
    share a prefix still differ.
    """
    candidate = f"{SERVICE_ACCOUNT_PREFIX}{product_id}"
    if len(candidate) <= _SA_MAX:
        return candidate
    digest = hashlib.sha256(product_id.encode()).hexdigest()[:_SA_HASH]
    keep = _SA_MAX - len(SERVICE_ACCOUNT_PREFIX) - _SA_HASH - 1
    prefix = product_id[:keep].rstrip("-")
    return f"{SERVICE_ACCOUNT_PREFIX}{prefix}-{digest}"


def label_value(value: str) -> str:
    """Coerce free text into a valid label value (lowercase, allowed chars, 63 max)."""
    cleaned = re.sub(r"[^a-z0-9_-]", "-", value.lower())
    return cleaned[:63]
