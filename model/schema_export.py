"""The JSON Schema of product.yaml, generated from the pydantic models."""

from __future__ import annotations

import json

from model.product import Product

SCHEMA_ID = "https://datamesh.example.com/schemas/product.schema.json"


def product_json_schema() -> str:
    """Stable text of the schema, as committed in products/product.schema.json."""
    schema = Product.model_json_schema(mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
