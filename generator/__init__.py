"""The relaykit generator: OpenAPI spec in spec/ -> the relaykit package in generated/."""

__version__ = "0.1.0"
