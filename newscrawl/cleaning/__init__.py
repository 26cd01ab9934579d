"""Cleaning: plain functions and small classes over text and parsed pages.

Nothing here imports Scrapy, so the item pipelines and ``newscrawl clean``
share every line of it.
"""
