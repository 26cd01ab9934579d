# newscrawl in a container: `scrapy crawl menafn`, with the data directory (feeds, rejects, run
# summaries, state) on a volume. README "Scheduling" shows how to build and run it;
# tests/test_dockerfile.py replays these steps in a clean directory.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The pinned dependencies first: this layer is rebuilt only when requirements.lock changes.
COPY requirements.lock ./
RUN python -m venv .venv && .venv/bin/pip install --quiet -r requirements.lock

# Then the project (.dockerignore keeps the host's .venv, data/, .git, tests and caches out).
COPY . .
RUN .venv/bin/pip install --quiet --no-deps --no-build-isolation .

ENV PATH=/app/.venv/bin:$PATH NEWSCRAWL_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["scrapy"]
CMD ["crawl", "menafn"]
