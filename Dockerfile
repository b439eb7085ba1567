# ratify-ts image. Not built in CI here (no Docker engine on the build machines);
# `docker build -t ratify-ts .` builds it where one is available.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production RATIFY_CONFIG=/.ratify
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# Same paths as Ratify's image: /.ratify/config.json, /.ratify/plugins, certificates under /usr/local/tls.
RUN mkdir -p /.ratify/plugins && chown -R node:node /.ratify
USER node
EXPOSE 6001 8888 9099
ENTRYPOINT ["node", "/app/dist/src/cli/bin.js"]
CMD ["serve", "--http", ":6001", "--cert-dir", "/usr/local/tls", "--metrics-enabled", "--metrics-port", "8888", "--health-port", ":9099"]
