"""Google Cloud identifier rules for what product names turn into.

Each rule is the documented one, narrowed where the platform wants one
spelling (lowercase, no spaces) so that every product looks the same. The
mesh's own naming conventions (slugs, versioned names, service accounts) live
in `model.conventions`.
"""

from __future__ import annotations

import re

# Project ids: 6-30 lowercase letters, digits or hyphens, starting with a letter.
PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
PROJECT_RULE = "a project id: 6-30 lowercase letters, digits or hyphens, starting with a letter"

# Table and view ids as the platform names them: letters, digits and `_` (BigQuery also
# allows some Unicode, dashes and spaces, which no port of the mesh uses).
TABLE_ID = re.compile(r"^[A-Za-z0-9_]{1,1024}$")

# BigQuery dataset ids allow letters, digits and `_` up to 1024 characters.
DATASET_ID = re.compile(r"^[a-z][a-z0-9_]{0,1023}$")

# Pub/Sub topic ids: 3-255 characters, start with a letter, not `goog`.
TOPIC_ID = re.compile(r"^(?!goog)[a-zA-Z][a-zA-Z0-9\-_.~+%]{2,254}$")

# BigQuery column names: letters, digits, underscores, starting with a letter or `_`.
COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$")
COLUMN_RULE = "letters, digits and underscores, starting with a letter or underscore"

# Service account ids: 6-30 characters, lowercase letters, digits and hyphens,
# starting with a letter and not ending with a hyphen.
SERVICE_ACCOUNT_ID = re.compile(r"^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$")

GROUP_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
EMAIL_RULE = "an email address such as team@example.com"
