# syntax=docker/dockerfile:1
# The base image is pinned by digest, so that a rebuild gets the same system and Python.
# Refresh it (after a Python patch release or a Debian security update):
#   docker buildx imagetools inspect python:3.11-slim   # the "Digest:" line
# and replace the sha256 below; `--build-arg PYTHON_IMAGE=python:3.11-slim` builds from the tag.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# The dependencies from the hash-pinned lock first (a layer that code changes do not rebuild),
# then the project alone (`bash .ci/lock` regenerates requirements.lock).
COPY requirements.lock ./
RUN python -m venv /opt/thonso \
 && /opt/thonso/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY migrations ./migrations
COPY locales ./locales
RUN /opt/thonso/bin/pip install --no-cache-dir --no-deps . \
 && /opt/thonso/bin/pip check

FROM ${PYTHON_IMAGE}
# Tesseract and its Vietnamese model read photos and scanned PDFs of commune notices.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie \
 && rm -rf /var/lib/apt/lists/*
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
