# The repro-pins image practises what it preaches: base image pinned by digest (refreshed by
# repro-pins itself), `npm ci` from the lockfile, no dev dependencies and no npm cache in the
# final stage, a non-root user, and nothing that depends on the build time, so a build with
# SOURCE_DATE_EPOCH and rewrite-timestamp=true gives the same digest twice.
ARG NODE_IMAGE=node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY templates ./templates
COPY keys ./keys
USER node
EXPOSE 3000
# The App (Probot): webhooks, scheduler and cache in one process. The CLI is in the same image:
# `docker run --entrypoint node IMAGE /app/bin/repro-pins.js scan /src`.
ENTRYPOINT ["node", "/app/node_modules/probot/bin/probot.js", "run", "/app/dist/src/app/index.js"]
