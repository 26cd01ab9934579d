"""``prnewswire``: PR Newswire (Cision) releases from its RSS feed and news-release listings.

Story URLs: ``/news-releases/<slug>-<9-digit id>.html``; the id is the story id.
Selectors and boilerplate: ``extract/wires.py`` (``PRNewswire``) and
``cleaning/wire_rules.py``. NOT VERIFIED against the live site (no web access
where this was written): the entry points below come from public scrapers and
feed lists; replace them with ``PRNEWSWIRE_START_URLS`` or ``-a start_urls=``.
"""

from newscrawl.extract.wires import PRNewswire
from newscrawl.spiders.wirebase import WireSpider


class PRNewswireSpider(WireSpider):
    name = "prnewswire"
    site = "prnewswire"
    default_origin_hosts = PRNewswire.hosts
    default_start_urls = (
        "https://www.prnewswire.com/rss/news-releases-list.rss",
        "https://www.prnewswire.com/news-releases/news-releases-list/",
    )
