# jcsim in a container: the console by default, or any jcsim command.
#
#   docker build -t jcsim .
#   docker run --rm -p 8080:8080 -e JCSIM_ADMIN_TOKEN=... jcsim
#   docker run --rm -v "$PWD/scenarios:/scenarios" -e SCIM_TOKEN jcsim \
#       run /scenarios --target https://sp.example.com/scim/v2 --token-env SCIM_TOKEN --out /tmp/runs
#
# The build is the shipped profile, `cargo build --profile dist --locked`
# (fat LTO; docs/performance.md, "Build profiles").

# The base images. Override them only to build from a mirror or from local
# stand-ins (scripts/docker-check.sh builds both with debootstrap and buildah).
ARG BUILDER_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- builder -----------------------------------------------------------------
FROM ${BUILDER_IMAGE} AS builder
WORKDIR /src

# Dependencies first, against an empty crate: this layer is rebuilt only when
# Cargo.toml or Cargo.lock change, not on every source edit.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --profile dist --locked \
 && rm -rf src

# The sources (.dockerignore lets in only what the build needs: src/,
# templates/ — compiled into the binary —, scenarios/, schema/, benches/).
COPY . .
# The copied files may be older than the empty crate's build: touch the crate
# roots so cargo rebuilds jcsim itself rather than keeping the empty binary.
RUN touch src/main.rs src/lib.rs \
 && cargo build --profile dist --locked \
 && ./target/dist/jcsim --version

# ---- runtime -----------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# The system trust store. (jcsim's own HTTP client carries Mozilla's roots,
# webpki-roots, so HTTPS targets work either way.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user with a numeric id (Kubernetes' runAsNonRoot can check it)
# and a writable working directory for runs/ and console state.
# Not --system: useradd warns that 10001 is above the system range (999).
RUN groupadd --gid 10001 jcsim \
 && useradd --uid 10001 --gid 10001 --no-log-init --home-dir /var/lib/jcsim --create-home --shell /usr/sbin/nologin jcsim

COPY --from=builder /src/target/dist/jcsim /usr/local/bin/jcsim
# Bundled scenarios and their schema, laid out as in the repository so the
# scenarios' `$schema=../../schema/scenario.schema.json` modeline resolves.
COPY --from=builder /src/scenarios /usr/share/jcsim/scenarios
COPY --from=builder /src/schema /usr/share/jcsim/schema

USER 10001:10001
WORKDIR /var/lib/jcsim

EXPOSE 8080
# `jcsim healthcheck` GETs http://127.0.0.1:8080/healthz (override with
# JCSIM_HEALTHCHECK_URL when the console listens elsewhere): no curl needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["jcsim", "healthcheck"]

ENTRYPOINT ["jcsim"]
# The console on every interface. Off loopback it requires an admin token:
# pass it with `-e JCSIM_ADMIN_TOKEN=...`.
CMD ["serve", "--listen", "0.0.0.0:8080", "--admin-token-env", "JCSIM_ADMIN_TOKEN"]
