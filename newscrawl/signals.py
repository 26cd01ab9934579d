"""newscrawl's own signals, sent through ``crawler.signals`` like Scrapy's.

``story_gone``: a story page answered 404 or 410; the ledger closes the story
(it is not fetched again) and writes it to the rejects file. Arguments:
``key`` (the story key), ``url``, ``status``.

``run_settled``: the ledger has settled every story of the run (delivered,
released or left pending) after the feeds were stored; the run summary is
written on it. Arguments: ``ledger``, ``spider``, ``reason`` (the spider's close reason).
"""

story_gone = object()
run_settled = object()
