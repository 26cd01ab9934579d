"""One spider per site of the registry (``newscrawl/sites/``): ``scrapy crawl <site>``.

Each class is a ``NewsSpider`` bound to its site; the spider's name is the
site's ``spider`` (``menafn``, ``prnewswire``... and ``wire`` for any other
news site). A new site module gives a new spider with no code here.
"""

from __future__ import annotations

from newscrawl.sites import SITES
from newscrawl.spiders.news import NewsSpider


def _spider_class(site) -> type[NewsSpider]:
    name = site.spider
    title = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
    return type(f"{title}Spider", (NewsSpider,), {
        "name": name, "site": site, "__module__": __name__,
        "__doc__": f"``scrapy crawl {name}``: {(type(site).__doc__ or type(site).__name__).strip().splitlines()[0]}",
    })


SPIDERS = {site.spider: _spider_class(site) for site in SITES.values() if site.spider}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
