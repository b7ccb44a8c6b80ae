# The backend and the bot share one image; docker-compose picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY bot bot
COPY nlu nlu
RUN pip install --no-cache-dir .
ENV ENVIRONMENT=production
CMD ["frontdesk", "backend"]
