"""`datamesh catalog`: a static site to find, understand, trust and request data products,
with the per-tenant IoT dashboard drawn from a local run."""
