"""``globenewswire``: GlobeNewswire (Notified) releases from its RSS feeds.

Story URLs: ``/news-release/<Y>/<M>/<D>/<id>/<org>/<lang>/<slug>.html``; the
numeric id is the story id. Selectors and boilerplate: ``extract/wires.py``
(``GlobeNewswire``) and ``cleaning/wire_rules.py``. NOT VERIFIED against the
live site: the feed URLs come from public feed lists; replace them with
``GLOBENEWSWIRE_START_URLS`` or ``-a start_urls=``.
"""

from newscrawl.extract.wires import GlobeNewswire
from newscrawl.spiders.wirebase import WireSpider


class GlobeNewswireSpider(WireSpider):
    name = "globenewswire"
    site = "globenewswire"
    default_origin_hosts = GlobeNewswire.hosts
    default_start_urls = (
        "https://www.globenewswire.com/RssFeed/subjectcode/72-Press%20Releases/feedTitle/GlobeNewswire%20-%20Press%20Releases",
        "https://www.globenewswire.com/RssFeed/orgclass/1/feedTitle/GlobeNewswire%20-%20News%20about%20Public%20Companies",
    )
