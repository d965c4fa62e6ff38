# blinacheck serve, the CDS Hooks service (docs/cds-hooks.md), as a non-root container.
# Mount the configuration (blinacheck.toml with [[serve.trusted-issuers]], their JWK Sets, any
# house rules) at /srv/blinacheck: without trusted issuers the service will not bind 0.0.0.0.
FROM python:3.11-slim

RUN useradd --system --uid 10001 --home-dir /srv/blinacheck --create-home blinacheck

WORKDIR /build
COPY pyproject.toml README.md ./
COPY blinacheck ./blinacheck
COPY rules ./rules
RUN pip install --no-cache-dir '.[serve]' && rm -rf /build

USER blinacheck
WORKDIR /srv/blinacheck
EXPOSE 8080
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"]
CMD ["blinacheck", "serve", "--host", "0.0.0.0", "--port", "8080"]
