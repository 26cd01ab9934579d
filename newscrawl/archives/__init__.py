"""Web archives (WARC, ISO 28500) in and out.

``reader``: the pages of a WARC file, found cheaply (``scan``) and read one by
one from their offsets (``read_page``), so a worker process reads the archive
itself instead of receiving the page. ``stories``: an archived page as a story
record, extracted with the site its host (or the crawl that wrote it) names.
``writer``: WARC/1.1 files written one whole record at a time, so a killed run
leaves an archive readable up to its last record. ``component``: the Scrapy
downloader middleware that archives a crawl (the only module here that
imports Scrapy).

Why fastwarc (for reading and writing): on the same 905-record WARC.gz
(31 MB, per-record gzip, a third of the bodies gzip-encoded and a third
chunked) it read and decoded every body in 0.43-0.44 s where warcio took
0.73-0.89 s (about 2x), giving identical bytes; both stop silently at a
record cut short and both refuse a non-WARC file. warcio stays what
datatrove's ``WarcReader`` uses (``newscrawl[datatrove]``).
"""
