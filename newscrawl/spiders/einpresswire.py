"""``einpresswire``: EIN Presswire (Newsmatics) releases from its RSS feeds.

Story URLs: ``/article/<id>/<slug>``; the id is the story id. Selectors and
boilerplate (the author block above "email us here", social links, the legal
disclaimer): ``extract/wires.py`` (``EINPresswire``), ``cleaning/wire_rules.py``
and ``PRESS_RELEASE``. NOT VERIFIED against the live site: the feed URLs come
from public feed lists; replace them with ``EINPRESSWIRE_START_URLS`` or
``-a start_urls=``.
"""

from newscrawl.extract.wires import EINPresswire
from newscrawl.spiders.wirebase import WireSpider


class EINPresswireSpider(WireSpider):
    name = "einpresswire"
    site = "einpresswire"
    default_origin_hosts = EINPresswire.hosts
    default_start_urls = (
        "https://www.einpresswire.com/rss/all",
        "https://www.einpresswire.com/rss/business-economy",
    )
