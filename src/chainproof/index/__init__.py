"""The package-index client."""
