"""The pipeline lives with its product; tests import it from there."""

from __future__ import annotations

import sys

from tests.helpers import PRODUCTS

PIPELINE_DIR = PRODUCTS / "iot-telemetry" / "pipeline"
if str(PIPELINE_DIR) not in sys.path:
    sys.path.insert(0, str(PIPELINE_DIR))
