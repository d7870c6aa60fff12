# kure in a container: one static binary on a distroless base (no shell, no libc).
#   docker build -t kure .
#   docker run --rm -v "$PWD:/work" kure lint --format github .
# The binary is built by scripts/build-static.sh, as tests/packaging.rs builds it.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/build-static.sh /out/kure && /out/kure --version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kure /usr/local/bin/kure
ENV PATH=/usr/local/bin
WORKDIR /work
ENTRYPOINT ["kure"]
CMD ["lint", "."]
