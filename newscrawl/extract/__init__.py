"""Turning a fetched page into an ``Article``: site selectors, then page metadata, then generic text."""
