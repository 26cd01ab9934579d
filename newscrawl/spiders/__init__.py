"""Spiders: what to fetch. Each turns entry points into story pages and hands them to ``newscrawl.extraction``."""
