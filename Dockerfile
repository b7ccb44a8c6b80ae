# The backend and the bot share one image; docker-compose picks the command.
FROM python:3.11-slim
WORKDIR /app
# OpenCV (under the photo reader's OCR) loads libGL and glib, which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY backend backend
COPY bot bot
COPY nlu nlu
RUN pip install --no-cache-dir .
ENV ENVIRONMENT=production
CMD ["frontdesk", "backend"]
