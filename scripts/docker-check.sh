#!/usr/bin/env bash
# Builds the Dockerfile and runs the image on a machine without a Docker
# engine or registry access: buildah builds it (chroot isolation) on local
# stand-ins for its two base images, then runs the image's entry point as its
# own non-root user:
#   - `jcsim --version`;
#   - the default command (`jcsim serve` on 0.0.0.0:8080 with an admin token)
#     and the image's own HEALTHCHECK command against it, which must fail
#     before the console is up and pass once it is;
#   - `jcsim run` of the built-in suite, and of the scenarios shipped in
#     /usr/share/jcsim/scenarios, against the embedded SP.
# The containers run in a network namespace of their own with only loopback,
# so the console's 0.0.0.0:8080 is reachable from nowhere else.
#
# Run as root. Installs buildah and debootstrap when missing. The base images
# are made once and kept in buildah's storage (the Debian root filesystem also
# as a tarball in $JCSIM_DOCKER_CACHE); later runs reuse them and rebuild only
# jcsim's image, from scratch each time. Prints the build time and the image
# size; exits non-zero on any failure.
#
#   scripts/docker-check.sh            # build and check
#   scripts/docker-check.sh --rebase   # also remake the base images
#   scripts/docker-check.sh --no-build # only run the checks on the image last built
#
# The stand-ins: `debian:bookworm-slim` is `debootstrap --variant=minbase
# bookworm`, trimmed as the official slim image is (no docs, man pages or
# locales, no apt lists). The builder is that plus gcc, libc6-dev,
# ca-certificates and this machine's Rust toolchain (rustc, cargo, the
# standard library), as in `rust:*-slim`, plus this machine's own extra CA
# certificates so the build's crates.io downloads pass the TLS proxy the
# machine trusts. Both reach the Dockerfile through its BUILDER_IMAGE and
# RUNTIME_IMAGE build arguments; the Dockerfile itself is built unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
t_start=$SECONDS

export BUILDAH_ISOLATION=chroot
CACHE=${JCSIM_DOCKER_CACHE:-/var/cache/jcsim-docker-check}
MIRROR=${JCSIM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
IMAGE=localhost/jcsim:docker-check
RUNTIME_BASE=localhost/jcsim-docker-check/debian:$SUITE-slim
rebase=0
build=1
for a in "$@"; do
  case $a in
    --rebase) rebase=1 ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--rebase | --no-build]" >&2; exit 2 ;;
  esac
done

say() { printf '== %s\n' "$*"; }
die() { printf 'docker-check: FAIL: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (buildah's chroot isolation and debootstrap need it)"

# ---- tools -------------------------------------------------------------------
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v nsenter >/dev/null || need+=(util-linux)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
mkdir -p "$CACHE"
# One check at a time: the images, the container names and the logs are shared.
exec 9>"$CACHE/lock"
flock -n 9 || { echo "docker-check: waiting for another run to finish" >&2; flock 9; }

has_image() { buildah images --quiet "$1" >/dev/null 2>&1; }

# What this script starts is undone on any exit: its containers are removed,
# and every process left in its network namespace (see "running it") is
# stopped, the server first by its pid.
ctrs=()
server_pid=
ns_pid=
ns_id=
# The pids of the processes in this script's network namespace, COMM only if given.
ns_pids() {
  local p
  [ -n "$ns_id" ] || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns_id" ] || continue
    [ -z "${1:-}" ] || [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ] || continue
    echo "${p#/proc/}"
  done
}
cleanup() {
  local p
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; fi
  for p in $(ns_pids); do kill -KILL "$p" 2>/dev/null || true; done
  for c in "${ctrs[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The builder base is named after this machine's toolchain.
command -v rustc >/dev/null || die "no rustc: the builder image is made from this machine's Rust toolchain"
sysroot=$(rustc --print sysroot)
rust_version=$(rustc --version | awk '{print $2}')
BUILDER_BASE=localhost/jcsim-docker-check/rust:${rust_version%.*}-slim-$SUITE
wanted=$(sed -n 's/^ARG BUILDER_IMAGE=//p' Dockerfile)
[ "$wanted" = "rust:${rust_version%.*}-slim-$SUITE" ] \
  || echo "docker-check: note: the Dockerfile names $wanted; this machine's toolchain is $rust_version" >&2

# ---- the runtime base: debian:bookworm-slim --------------------------------------
make_rootfs_tarball() {
  local tarball=$1 work=$CACHE/rootfs.tmp
  rm -rf "$work"
  say "debootstrap --variant=minbase $SUITE ($MIRROR)"
  debootstrap --variant=minbase "$SUITE" "$work" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # What the official slim image leaves out, now and for later installs.
  cat >"$work/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$work/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::Languages "none";\n' >"$work/etc/apt/apt.conf.d/docker-no-languages"
  rm -f "$work/etc/apt/sources.list"
  cat >"$work/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  (
    cd "$work"
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
    rm -rf usr/share/man/* usr/share/groff/* usr/share/info/* usr/share/lintian/* usr/share/linda/*
    find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb var/log/* tmp/*
    rm -f etc/resolv.conf etc/hostname
  )
  tar --numeric-owner -C "$work" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$work"
}

if [ $rebase = 1 ]; then
  say "--rebase: removing the base images and the root filesystem tarball"
  for i in "$BUILDER_BASE" "$RUNTIME_BASE"; do
    if has_image "$i"; then buildah rmi "$i" >/dev/null; fi
  done
  rm -f "$CACHE/debian-$SUITE-slim-rootfs.tar"
fi
if has_image "$RUNTIME_BASE"; then
  say "runtime base: $RUNTIME_BASE (cached)"
else
  tarball=$CACHE/debian-$SUITE-slim-rootfs.tar
  [ -f "$tarball" ] || make_rootfs_tarball "$tarball"
  say "runtime base: $RUNTIME_BASE from $tarball"
  c=$(buildah from scratch); ctrs+=("$c")
  buildah add --quiet "$c" "$tarball" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
  buildah commit --quiet --rm "$c" "$RUNTIME_BASE" >/dev/null
fi

# ---- the builder base: rust:X.Y-slim-bookworm ----------------------------------
if has_image "$BUILDER_BASE"; then
  say "builder base: $BUILDER_BASE (cached)"
else
  say "builder base: $BUILDER_BASE from $RUNTIME_BASE and $sysroot"
  c=$(buildah from --pull-never "$RUNTIME_BASE"); ctrs+=("$c")
  buildah run "$c" -- sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates gcc libc6-dev && rm -rf /var/lib/apt/lists/*' \
    >"$CACHE/builder-apt.log" 2>&1 || { tail -20 "$CACHE/builder-apt.log" >&2; die "apt-get in the builder base failed"; }
  mnt=$(buildah mount "$c")
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$mnt/usr/local/share/ca-certificates/"
    buildah run "$c" -- update-ca-certificates >"$CACHE/builder-ca.log" 2>&1 \
      || { cat "$CACHE/builder-ca.log" >&2; die "update-ca-certificates in the builder base failed"; }
  fi
  # rustc finds its standard library next to itself: no rustup needed.
  mkdir -p "$mnt/usr/local/rust/bin" "$mnt/usr/local/cargo/bin"
  cp -a "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$sysroot/bin/rustdoc" "$mnt/usr/local/rust/bin/"
  cp -a "$sysroot/lib" "$mnt/usr/local/rust/"
  buildah umount "$c" >/dev/null
  buildah config \
    --env CARGO_HOME=/usr/local/cargo \
    --env RUST_VERSION="$rust_version" \
    --env PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$c"
  buildah run "$c" -- sh -c 'cargo --version && rustc --version && cc --version | head -1' \
    || die "the builder base cannot run cargo, rustc and cc"
  buildah commit --quiet --rm "$c" "$BUILDER_BASE" >/dev/null
fi

# ---- the image ---------------------------------------------------------------
build_secs=
if [ $build = 1 ]; then
  say "buildah bud (the Dockerfile, cargo build --profile dist --locked)"
  if has_image "$IMAGE"; then buildah rmi --force "$IMAGE" >/dev/null; fi
  t_build=$SECONDS
  # --format docker: the OCI image format has no HEALTHCHECK and buildah would
  # drop it (Docker builds its own format).
  buildah bud --format docker --pull-never --layers=false --force-rm \
    --build-arg BUILDER_IMAGE="$BUILDER_BASE" --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" \
    --tag "$IMAGE" . >"$CACHE/build.log" 2>&1 \
    || { tail -40 "$CACHE/build.log" >&2; die "buildah bud failed (log: $CACHE/build.log)"; }
  build_secs=$((SECONDS - t_build))
  say "built $IMAGE in ${build_secs}s"
else
  has_image "$IMAGE" || die "--no-build: no image $IMAGE yet"
  say "--no-build: checking $IMAGE as built before"
fi

# ---- the image's configuration -----------------------------------------------
cfg() { buildah inspect --type image --format "$1" "$IMAGE"; }
mapfile -t entrypoint < <(cfg '{{range .Docker.Config.Entrypoint}}{{println .}}{{end}}')
mapfile -t default_cmd < <(cfg '{{range .Docker.Config.Cmd}}{{println .}}{{end}}')
mapfile -t health < <(cfg '{{if .Docker.Config.Healthcheck}}{{range .Docker.Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}')
user=$(cfg '{{.Docker.Config.User}}')
workdir=$(cfg '{{.Docker.Config.WorkingDir}}')
[ ${#entrypoint[@]} -gt 0 ] || die "the image has no ENTRYPOINT"
[ ${#default_cmd[@]} -gt 0 ] || die "the image has no CMD"
case $user in '' | 0 | 0:* | root | root:*) die "the image runs as root (USER '$user')" ;; esac
[ "${health[0]:-}" = CMD ] || die "the image has no exec-form HEALTHCHECK (got: ${health[*]:-none})"
health=("${health[@]:1}")
say "image: USER $user, WORKDIR $workdir, ENTRYPOINT ${entrypoint[*]}, CMD ${default_cmd[*]}, HEALTHCHECK ${health[*]}"

# ---- running it ----------------------------------------------------------------
# The containers run in a network namespace with only loopback, held open by a
# `sleep` of this script's: the console's 0.0.0.0:8080 is seen by nothing else
# and never competes for the port with a server on the machine.
unshare --net sleep 1800 &
ns_pid=$!
disown "$ns_pid"
for _ in $(seq 50); do
  ns_id=$(readlink "/proc/$ns_pid/ns/net")
  [ "$ns_id" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.1
done
[ "$ns_id" != "$(readlink /proc/self/ns/net)" ] || die "unshare --net made no network namespace"
innet() { nsenter --net="/proc/$ns_pid/ns/net" -- "$@"; }
innet ip link set lo up
c=$(buildah from --pull-never "$IMAGE"); ctrs+=("$c")
in_image() { innet buildah run --user "$user" "$c" -- "$@"; }

say "jcsim --version"
want=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
version=$(in_image "${entrypoint[@]}" --version) || die "jcsim --version failed"
echo "$version"
[ "$version" = "jcsim $want" ] || die "jcsim --version printed '$version', expected 'jcsim $want'"
[ "$(in_image id -u)" = "${user%%:*}" ] || die "the container does not run as uid ${user%%:*}"

say "HEALTHCHECK with no console: must fail"
if in_image "${health[@]}" >/dev/null 2>&1; then
  die "the HEALTHCHECK passed with no console running"
fi

say "the default command: ${entrypoint[*]} ${default_cmd[*]}"
# nsenter execs buildah, so $! is buildah's pid.
nsenter --net="/proc/$ns_pid/ns/net" -- buildah run --user "$user" \
  --env JCSIM_ADMIN_TOKEN="docker-check-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" "$c" -- \
  "${entrypoint[@]}" "${default_cmd[@]}" >"$CACHE/serve.log" 2>&1 &
server_pid=$!
ok=0
for _ in $(seq 60); do
  kill -0 "$server_pid" 2>/dev/null || { cat "$CACHE/serve.log" >&2; die "jcsim serve exited"; }
  if in_image "${health[@]}" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
[ $ok = 1 ] || { cat "$CACHE/serve.log" >&2; die "the HEALTHCHECK never passed against jcsim serve (30 s)"; }
in_image "${health[@]}"
echo "HEALTHCHECK passed"

# As `docker stop` does: SIGTERM to jcsim itself, then up to 10 s to exit.
say "SIGTERM to jcsim serve: must exit within 10 s"
mapfile -t jcsim_pids < <(ns_pids jcsim)
[ ${#jcsim_pids[@]} -gt 0 ] || die "no jcsim process in the container's network namespace"
kill -TERM "${jcsim_pids[@]}"
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server_pid" 2>/dev/null && { cat "$CACHE/serve.log" >&2; die "jcsim serve still runs 10 s after SIGTERM"; }
rc=0; wait "$server_pid" || rc=$?
server_pid=
[ $rc = 0 ] || { cat "$CACHE/serve.log" >&2; die "jcsim serve exited with status $rc on SIGTERM"; }
echo "jcsim serve stopped (status 0)"

# Each run's output goes to a log; its closing line is printed.
suite() {
  local name=$1; shift
  say "jcsim run${*:+ $*} (embedded SP)"
  if ! in_image "${entrypoint[@]}" run --quiet "$@" >"$CACHE/run-$name.log" 2>&1; then
    cat "$CACHE/run-$name.log" >&2
    die "jcsim run${*:+ $*} failed"
  fi
  tail -1 "$CACHE/run-$name.log"
}
# The built-in suite exactly as the README has it: `docker run --rm jcsim run`.
suite builtin
ran=$(sed -n 's/^\([0-9][0-9]*\) scenarios: .*/\1/p' "$CACHE/run-builtin.log")
n=$(in_image sh -c 'ls runs/*/summary.json | wc -l')
[[ -n $ran && $n = "$ran" ]] || die "jcsim run ran ${ran:-no} scenarios but left $n summary.json in $workdir/runs"
echo "$workdir/runs holds a summary.json for each of the $ran scenarios"
suite files --out runs-files /usr/share/jcsim/scenarios

# ---- size ------------------------------------------------------------------------
mnt=$(buildah mount "$c")
say "image size"
printf '%-62s %s\n' "$IMAGE" "$(buildah images --format '{{.Size}}' "$IMAGE")"
printf '%-62s %s\n' "  the base, $RUNTIME_BASE" "$(buildah images --format '{{.Size}}' "$RUNTIME_BASE")"
printf '%-62s %s\n' "  /usr/local/bin/jcsim" "$(du -h --apparent-size "$mnt/usr/local/bin/jcsim" | cut -f1)"
printf '%-62s %s\n' "  /usr/share/jcsim" "$(du -sh --apparent-size "$mnt/usr/share/jcsim" | cut -f1)"
printf '%-62s %s\n' "  the jcsim binary needs" "$(in_image ldd /usr/local/bin/jcsim | awk '/=>/ {printf "%s ", $1}')"
buildah umount "$c" >/dev/null

say "docker-check: all green (${build_secs:+image built in ${build_secs}s, }whole check $((SECONDS - t_start))s)"
