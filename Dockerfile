# syntax=docker/dockerfile:1
# Build: release binary, stripped; run: distroless, non-root, ~30 MB.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
# Symbols stripped in the image only (local release builds keep them for
# backtraces).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
# Dependencies first, in their own layer: rebuilt only when Cargo.toml or
# Cargo.lock change, not on every source edit. Placeholder targets stand in
# for the crate's own code.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/supabase_inquiries.rs \
    && cargo build --release --locked --bin oe-webhooks \
    && rm -rf src benches target/release/.fingerprint/oe-webhooks-* target/release/deps/oe_webhooks-* \
              target/release/deps/liboe_webhooks-* target/release/oe-webhooks
COPY src ./src
COPY fixtures ./fixtures
COPY benches ./benches
RUN cargo build --release --locked --bin oe-webhooks && mkdir -p /empty-data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/oe-webhooks /usr/local/bin/oe-webhooks
# The data directory must belong to the non-root user that writes it.
COPY --from=build --chown=65532:65532 /empty-data /data
# Listening on every interface: the service refuses to start with the
# development secrets here, so `docker run` passes OE_SUPABASE_WEBHOOK_SECRET
# and OE_EMAIL_WEBHOOK_SECRET (see the README); OE_ALLOW_DEV_SECRETS is
# deliberately not set.
ENV OE_BIND=0.0.0.0:8080 \
    OE_DATA_DIR=/data \
    OE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# The binary probes itself (no curl or shell in the image), on the port of
# OE_BIND, so overriding OE_BIND keeps the health check right.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/oe-webhooks", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/oe-webhooks"]
CMD ["serve"]
