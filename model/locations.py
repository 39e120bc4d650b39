"""Google Cloud locations a stack may name (checked before anything is planned).

Regions as Google lists them for BigQuery, Pub/Sub, Dataflow and Dataplex;
BigQuery also takes the multi-regions US and EU. A region Google opens later is
added here in one line.
"""

from __future__ import annotations

REGIONS = frozenset(
    {
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    }
)
BIGQUERY_MULTI_REGIONS = frozenset({"us", "eu"})


def region_problem(value: str) -> str | None:
    if value in REGIONS:
        return None
    return f"{value!r} is not a Google Cloud region (e.g. europe-west1, us-central1)"


def bigquery_location_problem(value: str) -> str | None:
    if value.lower() in BIGQUERY_MULTI_REGIONS or value.lower() in REGIONS:
        return None
    return f"{value!r} is not a BigQuery location (US, EU, or a region such as europe-west1)"
