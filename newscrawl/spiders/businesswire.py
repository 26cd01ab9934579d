"""``businesswire``: Business Wire releases from its RSS feed and newsroom listing.

Story URLs: ``/news/home/<14-digit id>/<lang>/<slug>``; the id is the story id.
The feed lives on ``feed.businesswire.com`` and points at
``www.businesswire.com``: both are allowed (``BUSINESSWIRE_ORIGIN_HOSTS``).
Selectors and boilerplate: ``extract/wires.py`` (``BusinessWire``) and
``cleaning/wire_rules.py``. NOT VERIFIED against the live site: the feed URL
comes from public scrapers; replace it with ``BUSINESSWIRE_START_URLS`` or
``-a start_urls=``.
"""

from newscrawl.extract.wires import BusinessWire
from newscrawl.spiders.wirebase import WireSpider


class BusinessWireSpider(WireSpider):
    name = "businesswire"
    site = "businesswire"
    default_origin_hosts = BusinessWire.hosts
    default_start_urls = (
        "https://feed.businesswire.com/rss/home/?rss=G1QFDERJXkJeEFpRWg==",
        "https://www.businesswire.com/newsroom",
    )
