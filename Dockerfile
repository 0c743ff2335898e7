# syntax=docker/dockerfile:1
# One image holds both services; APP picks the one it runs by default:
#   docker build -t switchboard .                               (runs the Hub)
#   docker build --build-arg APP=instance -t switchboard-instance .
# docker-compose.yml and k8s/ set the command explicitly, so they use one image for everything,
# including the migration step `node apps/<hub|instance>/dist/db-setup.js`.

FROM node:20-bookworm-slim AS base
WORKDIR /app

# Only the libs' package.json files: npm workspaces need them to install, and keeping them apart from the
# sources means a source edit does not invalidate the `npm ci` layers below. Globbed, so a new lib needs no edit here.
FROM base AS manifests
COPY libs libs
RUN mkdir /manifests && for manifest in libs/*/package.json; do cp --parents "$manifest" /manifests/; done

FROM base AS build
COPY package.json package-lock.json ./
COPY --from=manifests /manifests ./
# The base image's npm 10 accepts the lockfile in `npm ci`; npm 11 refuses it (it wants other platforms'
# optional binaries listed, see .ci/run), so do not upgrade npm in this image without regenerating the lockfile.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# What runs: every app's and lib's dist, and each lib's package.json, whose `exports` lead the workspace
# link node_modules/@switchboard/<lib> -> libs/<lib> to dist/index.js.
RUN mkdir /out && for path in apps/*/dist libs/*/dist libs/*/package.json; do cp -r --parents "$path" /out/; done

FROM base AS runtime
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY --from=manifests /manifests ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /out ./
ARG APP=hub
ENV APP=${APP}
# Numeric (the image's `node` user), so that Kubernetes' runAsNonRoot can verify it without a runAsUser.
USER 1000:1000
EXPOSE 8080 8081
# `exec` hands PID 1 to node, so SIGTERM reaches the app's shutdown hooks instead of stopping at the shell.
CMD ["sh", "-c", "exec node apps/$APP/dist/main.js"]
