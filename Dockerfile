# syntax=docker/dockerfile:1
# One image holds every service (hub, instance, gateway); APP picks the one it runs by default:
#   docker build -t switchboard .                               (runs the Hub)
#   docker build --build-arg APP=instance -t switchboard-instance .
#   docker build --build-arg APP=gateway -t switchboard-gateway .
# docker-compose.yml and k8s/ set the command explicitly, so they use one image for everything,
# including the migration step `node apps/<hub|instance>/dist/db-setup.js`.

# Node 24 LTS, pinned by digest: the multi-platform index of node:24-bookworm-slim when it was Node 24.18.0 (no
# registry is reachable from where this was written, so the digest is the one public Dockerfiles record for that
# tag; `docker buildx imagetools inspect node:24-bookworm-slim` gives the current one). Renovate/Dependabot bump it.
FROM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS base
WORKDIR /app

# Only the libs' package.json files: npm workspaces need them to install, and keeping them apart from the
# sources means a source edit does not invalidate the `npm ci` layers below. Globbed, so a new lib needs no edit here.
FROM base AS manifests
COPY libs libs
RUN mkdir /manifests && for manifest in libs/*/package.json; do cp --parents "$manifest" /manifests/; done

FROM base AS build
COPY package.json package-lock.json ./
COPY --from=manifests /manifests ./
# Exactly the lockfile (npm 11 on Node 24 accepts it as it is). Dependencies' install scripts stay off (package.json
# `allowScripts` denies each one).
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
# No optional packages: the only ones are the Node binaries package.json brings for machines without Node 24
# (this image has it) and pg-cloudflare (Cloudflare Workers only).
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /out ./
ARG APP=hub
ENV APP=${APP}
# Numeric (the image's `node` user), so that Kubernetes' runAsNonRoot can verify it without a runAsUser.
USER 1000:1000
EXPOSE 8080 8081
# `exec` hands PID 1 to node, so SIGTERM reaches the app's shutdown hooks instead of stopping at the shell.
CMD ["sh", "-c", "exec node apps/$APP/dist/main.js"]
