# Easel in one image: the locked dependencies (hash-checked), then Easel itself. Configuration is by
# environment (see README.md, "Configuration" and "Running several nodes").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EASEL_HOST=0.0.0.0 EASEL_PORT=8000 EASEL_DATA_DIR=/var/lib/easel

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY tools ./tools
COPY spaces ./spaces
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --home-dir /var/lib/easel --create-home easel
USER easel
VOLUME /var/lib/easel
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["easel", "serve"]
