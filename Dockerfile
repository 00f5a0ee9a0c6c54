# syntax=docker/dockerfile:1
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY openapi openapi
COPY bench bench
RUN cargo build --release --locked && cp target/release/kompetensi /kompetensi

FROM debian:bookworm-slim
# pq-sys and libsqlite3-sys are bundled; the PostgreSQL client still links the system libssl.
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kompetensi \
    && mkdir -p /data && chown kompetensi /data
COPY --from=build /kompetensi /usr/local/bin/kompetensi
USER kompetensi
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:///data/kompetensi.db \
    KOMPETENSI_BIND=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080
ENTRYPOINT ["kompetensi"]
CMD ["serve"]
