# Runnel broker + console image (docker-compose.yml runs three brokers, PostgreSQL and the console).
#   docker build -t runnel .
#   docker run -p 8080:8080 runnel                       # one broker, embedded SQLite metadata
#   docker run … -e RUNNEL_METADATA_URL=postgresql://…   # a cluster member (see README "Cluster mode")
# The build stage needs a C++ toolchain for better-sqlite3 (built from source).
FROM node:20-bookworm AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm install --no-audit --no-fund && npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 RUNNEL_DATA_DIR=/data RUNNEL_HOST=0.0.0.0
COPY --from=build /app /app
RUN mkdir -p /data
VOLUME ["/data"]
# 8080 client HTTP/WebSocket API, 9093 inter-broker channel (keep it private), 3000 console
EXPOSE 8080 9093 3000
# docker stop sends SIGTERM to the broker, which shuts down cleanly (compose runs it under an init: `init: true`).
CMD ["node", "dist/apps/broker/src/main.js"]
