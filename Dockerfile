# syntax=docker/dockerfile:1
# One image for all five processes of the treaty graph; the first argument picks which one runs:
#   docker run treaty-graph gateway      (node gateway/dist/main.js, port 4000)
#   docker run treaty-graph milestones   (node services/milestones/dist/index.js, port 4001)
#   … prisoners 4002, corridors 4003, guarantors 4004.
# Build from the repository root: docker build -t treaty-graph:0.1.0 .   (see deploy/README.md)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: the whole monorepo, compiled ------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV TURBO_TELEMETRY_DISABLED=1 APOLLO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
# Manifests first, so the npm ci layer is rebuilt only when a dependency changes. Every workspace's
# package.json must be here, or npm ci finds the lockfile out of step with the workspaces.
COPY package.json package-lock.json .npmrc ./
COPY gateway/package.json gateway/
COPY packages/evidence/package.json packages/evidence/
COPY packages/launcher/package.json packages/launcher/
COPY packages/local-postgres/package.json packages/local-postgres/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/testing/package.json packages/testing/
COPY services/corridors/package.json services/corridors/
COPY services/guarantors/package.json services/guarantors/
COPY services/milestones/package.json services/milestones/
COPY services/prisoners/package.json services/prisoners/
COPY test/package.json test/
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime-deps: production dependencies of the seven workspaces that run, nothing else --------------
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=build /src/package.json /src/package-lock.json /src/.npmrc ./
COPY --from=build /src/gateway/package.json gateway/
COPY --from=build /src/packages/evidence/package.json packages/evidence/
COPY --from=build /src/packages/launcher/package.json packages/launcher/
COPY --from=build /src/packages/local-postgres/package.json packages/local-postgres/
COPY --from=build /src/packages/service-kit/package.json packages/service-kit/
COPY --from=build /src/packages/testing/package.json packages/testing/
COPY --from=build /src/services/corridors/package.json services/corridors/
COPY --from=build /src/services/guarantors/package.json services/guarantors/
COPY --from=build /src/services/milestones/package.json services/milestones/
COPY --from=build /src/services/prisoners/package.json services/prisoners/
COPY --from=build /src/test/package.json test/
COPY deploy/image/omit-dev-dependencies.mjs /tmp/
# A service's devDependencies name the test kit, which npm would otherwise install with --workspace
# (it is a regular dependency of the e2e workspace, so --omit=dev alone does not drop it).
RUN node /tmp/omit-dev-dependencies.mjs gateway packages/evidence packages/service-kit services/corridors services/guarantors services/milestones services/prisoners \
 && npm ci --omit=dev --ignore-scripts \
      --workspace=@treaty/gateway --workspace=@treaty/evidence --workspace=@treaty/service-kit \
      --workspace=@treaty/milestones --workspace=@treaty/prisoners --workspace=@treaty/corridors --workspace=@treaty/guarantors \
 && npm cache clean --force

# ---- runtime: compiled code, production dependencies, a non-root user --------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    APOLLO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    HOST=0.0.0.0
RUN groupadd --system --gid 10001 treaty \
 && useradd --system --uid 10001 --gid treaty --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin treaty
WORKDIR /app
# Owned by root and read-only to the process: a compromised service cannot rewrite its own code.
COPY --from=runtime-deps /app ./
COPY --from=build /src/packages/evidence/dist packages/evidence/dist
COPY --from=build /src/packages/service-kit/dist packages/service-kit/dist
COPY --from=build /src/services/milestones/dist services/milestones/dist
COPY --from=build /src/services/prisoners/dist services/prisoners/dist
COPY --from=build /src/services/corridors/dist services/corridors/dist
COPY --from=build /src/services/guarantors/dist services/guarantors/dist
COPY --from=build /src/gateway/dist gateway/dist
COPY --from=build /src/gateway/supergraph.graphql gateway/supergraph.graphql
COPY --from=build /src/gateway/operations gateway/operations
COPY --from=build /src/gateway/playground gateway/playground
COPY deploy/image/entrypoint.sh deploy/image/healthcheck.mjs deploy/image/
USER 10001:10001
EXPOSE 4000 4001 4002 4003 4004
# Liveness of whichever process runs (it finds its own port); compose checks /ready for the subgraphs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "deploy/image/healthcheck.mjs", "/health"]
ENTRYPOINT ["/bin/sh", "deploy/image/entrypoint.sh"]
CMD ["gateway"]
