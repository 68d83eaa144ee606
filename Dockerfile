# syntax=docker/dockerfile:1
# One image recipe for every service, chosen by its workspace path and port:
#   docker build --build-arg SERVICE=gateway         --build-arg PORT=4000 -t shopgraph/gateway:dev .
#   docker build --build-arg SERVICE=subgraphs/users --build-arg PORT=4001 -t shopgraph/users:dev .

FROM node:20-bookworm-slim AS base
ENV TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Every package.json plus the lockfile and nothing else: the npm ci layers below are
# rebuilt only when dependencies change, and new workspaces need no Dockerfile edit.
FROM base AS manifests
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -type d -empty -delete

FROM base AS build
ARG SERVICE
ARG PORT
RUN test -n "$SERVICE" && test -n "$PORT" \
 || { echo 'both build args are required, e.g. --build-arg SERVICE=subgraphs/users --build-arg PORT=4001' >&2; exit 1; }
COPY --from=manifests /app ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# `<package>...` builds the service and every workspace it depends on, in dependency order.
RUN npx turbo run build --output-logs=errors-only \
      --filter="$(node -p "require('./${SERVICE}/package.json').name")..."
# A service's runtime code is its own dist plus the dist of the shared libraries in packages/.
RUN mkdir -p /out/schema \
 && for dir in packages/* "$SERVICE"; do \
      if [ -d "$dir/dist" ]; then mkdir -p "/out/$dir" && cp -R "$dir/dist" "/out/$dir/"; fi; \
    done \
 && if [ -f "$SERVICE/trusted-documents.json" ]; then cp "$SERVICE/trusted-documents.json" "/out/$SERVICE/"; fi \
 && if [ -d schema ]; then cp -R schema/. /out/schema/; fi \
 && if [ "$SERVICE" = gateway ] && [ ! -f /out/schema/supergraph.graphql ]; then \
      echo 'schema/supergraph.graphql is missing: run `npm run compose` and commit it' >&2; exit 1; \
    fi

FROM base AS prod-deps
ARG SERVICE
COPY --from=manifests /app ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --workspace="$SERVICE" --no-audit --no-fund

FROM base AS runtime
ARG SERVICE
ARG PORT
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT}
COPY --from=prod-deps /app ./
COPY --from=build /out ./
WORKDIR /app/${SERVICE}
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The tracing preload does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set (README, "Operating it").
CMD ["node", "--require", "@shopgraph/kit/dist/tracing-preload.js", "dist/index.js"]
