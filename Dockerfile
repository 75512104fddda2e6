# syntax=docker/dockerfile:1
# Build: static-enough release binary; run: distroless, non-root, ~30 MB.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY fixtures ./fixtures
COPY benches ./benches
RUN cargo build --release --locked --bin oe-webhooks && mkdir -p /empty-data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/oe-webhooks /usr/local/bin/oe-webhooks
# The data directory must belong to the non-root user that writes it.
COPY --from=build --chown=65532:65532 /empty-data /data
ENV OE_BIND=0.0.0.0:8080 \
    OE_DATA_DIR=/data \
    OE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# The binary probes itself: no curl or shell in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/oe-webhooks", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/oe-webhooks"]
CMD ["serve"]
