"""A minimal Scrapy CrawlSpider for the crawl benchmark (bench/crawl.rs runs it).

    python scrapy_crawl.py --out FILE --depth N --per-host N --total N \
        --reactor asyncio|epoll --allow HOST[,HOST...] --follow REGEX URL...

Follows every link that matches REGEX (LinkExtractor(allow=…); its allow_domains
compares the host *and port* with the domains, so it matches nothing on a site with a
port), within the allowed hosts (allowed_domains, for the offsite middleware), breadth-first (DEPTH_PRIORITY=1 with FIFO
queues, as Scrapy's documentation says for a broad crawl in BFO order, so that
DEPTH_LIMIT cuts at the same depth as wget -l and link-extractor --depth), obeys
robots.txt, caps requests per host at --per-host and in all at --total, no delay, no
retries, no AutoThrottle. Each page is one JSON line {"url", "depth"} in FILE, in the
order Scrapy yields them.
"""

import argparse

from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

REACTORS = {
    "asyncio": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "epoll": "twisted.internet.epollreactor.EPollReactor",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--depth", type=int, required=True)
    parser.add_argument("--per-host", type=int, required=True)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--reactor", choices=sorted(REACTORS), required=True)
    parser.add_argument("--allow", required=True)
    parser.add_argument("--follow", required=True)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()
    hosts = args.allow.split(",")

    class SiteSpider(CrawlSpider):
        name = "site"
        allowed_domains = hosts
        start_urls = args.urls
        rules = (
            Rule(LinkExtractor(allow=[args.follow]), callback="page", follow=True),
        )

        def parse_start_url(self, response):
            return self.page(response)

        def page(self, response):
            yield {"url": response.url, "depth": response.meta.get("depth", 0)}

    process = CrawlerProcess(
        settings={
            "TWISTED_REACTOR": REACTORS[args.reactor],
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": args.total,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_host,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "RETRY_ENABLED": False,
            "DEPTH_LIMIT": args.depth,
            "DEPTH_PRIORITY": 1,
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
            "FEEDS": {args.out: {"format": "jsonlines", "overwrite": True}},
        }
    )
    process.crawl(SiteSpider)
    process.start()


if __name__ == "__main__":
    main()
