# imagegen — production image: imagegen-fcgi and the imagegen CLI.
# Multi-stage: the build stage has the -dev packages and the toolchain; the runtime
# stage has only the shared libraries the programs link against.

FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential autoconf automake libtool pkg-config \
      libfcgi-dev libjson-c-dev libcurl4-openssl-dev libpq-dev libgd-dev libpng-dev libfreetype-dev \
      libjwt-dev libargon2-dev libsodium-dev libssl-dev check libsubunit-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && mkdir /build && cd /build \
 && /src/configure --prefix=/usr/local \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out

FROM debian:bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libfcgi0ldbl libjson-c5 libcurl4 libpq5 libgd3 libjwt0 libargon2-1 libsodium23 libssl3 \
      libpng16-16 libfreetype6 ca-certificates fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 imagegen \
 && groupadd --system --gid 101 imagegen-web \
 && useradd --system --uid 10001 --gid imagegen --groups imagegen-web \
      --home-dir /var/lib/imagegen --shell /usr/sbin/nologin imagegen \
 && mkdir -p /var/lib/imagegen/images /var/lib/imagegen/files /run/imagegen \
 && chown -R imagegen:imagegen /var/lib/imagegen /run/imagegen \
 && chown imagegen:imagegen-web /var/lib/imagegen/files && chmod 2750 /var/lib/imagegen/files
# imagegen-web (gid 101) is the group of the official nginx image's workers:
# imagegen-fcgi gives the FastCGI socket to it (IG_SOCKET_GROUP=101), which
# chown(2) allows only to a member. The membership is in the image's
# /etc/group, not a compose group_add, which podman-compose 1.0.3 ignores.
COPY --from=build /out/usr/local/ /usr/local/
COPY deploy/docker/imagegen-start /usr/local/bin/imagegen-start
ENV IG_VAR_DIR=/var/lib/imagegen \
    IG_IMAGE_DIR=/var/lib/imagegen/images \
    IG_STORAGE_DIR=/var/lib/imagegen/files \
    IG_SOCKET=/run/imagegen/imagegen.sock \
    IG_MIGRATIONS_DIR=/usr/local/share/imagegen/migrations \
    IG_OPENAPI_PATH=/usr/local/share/imagegen/openapi.json \
    IG_PROJECT_ROOT=/var/lib/imagegen \
    IG_ENVIRONMENT=production
USER imagegen
WORKDIR /var/lib/imagegen
# Migrations (retried while PostgreSQL starts), then imagegen-fcgi.
CMD ["imagegen-start"]
