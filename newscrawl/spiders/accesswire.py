"""``accesswire``: ACCESSWIRE / ACCESS Newswire (Issuer Direct) releases from its feed and newsroom.

Story URLs: ``/<id>/<slug>`` (accesswire.com) and
``/newsroom/<lang>/<topic>/<slug>-<id>`` (accessnewswire.com); the id is the
story id. Selectors and boilerplate: ``extract/wires.py`` (``Accesswire``) and
``cleaning/wire_rules.py``. NOT VERIFIED against the live site: the entry points
come from public scrapers; replace them with ``ACCESSWIRE_START_URLS`` or
``-a start_urls=``.
"""

from newscrawl.extract.wires import Accesswire
from newscrawl.spiders.wirebase import WireSpider


class AccesswireSpider(WireSpider):
    name = "accesswire"
    site = "accesswire"
    default_origin_hosts = Accesswire.hosts
    default_start_urls = (
        "https://www.accesswire.com/rss/news",
        "https://www.accessnewswire.com/newsroom",
    )
