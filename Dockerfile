# syntax=docker/dockerfile:1
# The Actorwire server (the `actorwire` command with the default plugins) as an image.
#
#   docker build -t actorwire .                       # or: podman build -t actorwire .
#   docker run --rm -p 8080:8080 -e JWT_SECRET=… actorwire
#
# BASE: an image with Node.js 22 or later and npm, on glibc >= 2.38 — the npm registry's native
# uWebSockets.js builds need it (Debian 13, Ubuntu 24.04). The server refuses to start when no
# native build loads (WS_ERR_UWS_NOT_NATIVE), so a wrong base fails at once, not slowly.
# `npm run test:image` builds this file on a base made locally (scripts/image.mjs).
ARG BASE=node:24-trixie-slim

# Build: install the workspace, build every package, pack the publishable ones, and install
# the tarballs into a fresh application exactly as a user would (production dependencies only).
FROM ${BASE} AS build
# An npm registry other than npm's default (a mirror): passed through, never written here.
ARG NPM_CONFIG_REGISTRY
WORKDIR /src
COPY . .
# Behind a TLS-intercepting proxy, give the build its CA as a secret (never stored in a layer):
#   docker build --secret id=ca,src=/path/to/ca-bundle.crt .
RUN --mount=type=secret,id=ca,required=false \
    export NODE_EXTRA_CA_CERTS=/run/secrets/ca; [ -s /run/secrets/ca ] || unset NODE_EXTRA_CA_CERTS; \
    npm ci --no-audit --no-fund \
 && npm run -s release -- current --no-build --out /packs \
 && mkdir /app && cd /app \
 && printf '{"name":"actorwire-app","private":true,"type":"module"}\n' > package.json \
 && npm install --omit=dev --no-audit --no-fund --loglevel=error $(ls /packs/*.tgz | grep -v '/actorwire-testing-') \
 && node /src/scripts/prune-uws.mjs /app/node_modules \
 && node -e "require('/app/node_modules/actorwire/package.json')" \
 && rm -rf /root/.npm

# Run: the installed app only, owned by root, run as an unprivileged user.
FROM ${BASE}
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin actorwire
COPY --from=build /app /app
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
USER 10001:10001
EXPOSE 8080
# SIGTERM drains: sessions get 1001, the process exits 0 within ACTORWIRE_SHUTDOWN_TIMEOUT
# (10 s by default) — give `docker stop` / Kubernetes at least that much grace.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM/SIGINT itself (no shell in between).
CMD ["node", "--max-semi-space-size=8", "/app/node_modules/actorwire/dist/bin.js"]
