# syntax=docker/dockerfile:1
#
# Parley in a container: a static binary (SQLite is modernc.org/sqlite, pure
# Go, so CGO is off) on a distroless base, run as a non-root user, with its
# data in the /data volume. See docs/deploy.md.
#
#   docker build -t parley --build-arg VERSION=$(git describe --tags --always) --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run -d -p 8080:8080 -v parley-data:/data parley

# The Go of go.mod's go line.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context has no .git: the version and the revision come from the
# build arguments (parley version prints them).
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/parley ./cmd/parley \
 && mkdir /out/data

# distroless/static: CA certificates (TLS to PostgreSQL and NATS), time zone
# data and a nonroot user (65532); no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parley /usr/local/bin/parley
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PARLEY_DATA_DIR=/data \
    PARLEY_ADDR=:8080
VOLUME ["/data"]
# 8080: chat, widget, agent console, APIs. The operations endpoints
# (/metrics, pprof) listen on 127.0.0.1:9090 inside the container unless
# PARLEY_ADMIN_ADDR says otherwise; never publish them.
EXPOSE 8080
# The binary asks its own /healthz (the image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/parley", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/parley"]
CMD ["serve"]
