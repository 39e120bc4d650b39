"""Installs the pipeline package on Dataflow workers (FLEX_TEMPLATE_PYTHON_SETUP_FILE)."""

import setuptools

setuptools.setup(
    name="iot-telemetry-pipeline",
    version="1.0.0",
    packages=setuptools.find_packages(include=["telemetry_pipeline", "telemetry_pipeline.*"]),
    install_requires=["msgspec>=0.18,<1"],
)
