"""CycloneDX: ``writer`` renders an inventory (cyclonedx-python-lib), ``schema`` validates
JSON and XML strictly before anything is written, ``reader`` reads an SBOM back."""
