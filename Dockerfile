# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY migrations ./migrations
COPY locales ./locales
RUN python -m venv /opt/thonso \
 && /opt/thonso/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/thonso/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 thonso
COPY --from=build /opt/thonso /opt/thonso
ENV PATH=/opt/thonso/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080
USER thonso
WORKDIR /home/thonso
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=4)"
# `run` also upgrades the schema on start; `migrate` first makes a failed migration obvious.
CMD ["sh", "-c", "thonso migrate && exec thonso run"]
