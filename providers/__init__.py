"""Pulumi dynamic providers for the audiences of Thrive Learning, Sonarly, UnleashX and Batch.com."""

__version__ = "0.1.0"
