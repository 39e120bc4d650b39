"""Flex Template entry point (FLEX_TEMPLATE_PYTHON_PY_FILE) and local runner."""

import logging

from telemetry_pipeline.pipeline import run

if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()
