#!/bin/sh
# What a newcomer on a fresh Debian bookworm gets: build a clean bookworm root
# with debootstrap (only git, make and CA certificates in it, plus the host's
# apt sources), clone this checkout's HEAD into it, then inside a chroot run
# `make run` (the site, the TEST payment stand-in it starts and its mail
# catcher must all answer; then it is stopped) and `make test`.
#
#   sudo sh tests/bookworm.sh            # root under build/bookworm-root
#   BOOKWORM_ROOT=/tmp/bw PORT=18081 sudo sh tests/bookworm.sh
#   BOOKWORM_TMPFS=6G sudo sh tests/bookworm.sh    # the root in memory (short of disk)
#
# Runs as root (debootstrap, mount, chroot). Takes a while: the root is built
# from scratch every time. The last line is the result, e.g.
#   bookworm: make run answered in 31 s, with its TEST payments and mail catcher; make test: 250 passed, 0 failed
# and the exit status is 0 only when both worked. Mounts are undone on exit.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RFS=${BOOKWORM_ROOT:-$ROOT/build/bookworm-root}
PORT=${PORT:-18081}
LOG=${BOOKWORM_LOG:-$ROOT/build/bookworm-steps.log}

if [ "$(id -u)" != 0 ]; then
    echo "bookworm: run as root (debootstrap, mount and chroot need it)" >&2
    exit 2
fi
mkdir -p "$(dirname "$LOG")"
: >"$LOG"
say() { printf '%s bookworm: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# The host's first Debian mirror, as the place to bootstrap from.
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; } >>"$LOG" 2>&1 ||
        { tail -n 20 "$LOG"; echo "bookworm: could not install debootstrap"; exit 1; }
fi

mounted=""
cleanup() {
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
    mounted=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# A root from scratch. Refuse to delete anything still mounted inside it.
if [ -d "$RFS" ]; then
    if grep -q " $RFS[/ ]" /proc/mounts; then
        echo "bookworm: something is still mounted under $RFS; unmount it first" >&2
        exit 1
    fi
    rm -rf "$RFS"
fi
mkdir -p "$RFS"
if [ -n "${BOOKWORM_TMPFS:-}" ]; then
    mount -t tmpfs -o "size=$BOOKWORM_TMPFS,mode=0755" bookworm "$RFS" && mounted="$RFS"
fi
say "debootstrap bookworm from $mirror into $RFS (log: $LOG)"
if ! debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$RFS" "$mirror" >>"$LOG" 2>&1; then
    tail -n 20 "$LOG"
    echo "bookworm: debootstrap failed"
    exit 1
fi

# The host's apt sources and CA certificates, and its resolver.
rm -f "$RFS/etc/apt/sources.list"
mkdir -p "$RFS/etc/apt/sources.list.d" "$RFS/usr/local/share/ca-certificates"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp "$f" "$RFS$f"
done
cp -r /usr/local/share/ca-certificates/. "$RFS/usr/local/share/ca-certificates/" 2>/dev/null || true
cp /etc/ssl/certs/ca-certificates.crt "$RFS/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$RFS/etc/resolv.conf"

mount -t proc proc "$RFS/proc" && mounted="$RFS/proc $mounted"
mkdir -p "$RFS/dev/pts" "$RFS/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$RFS/dev/pts" && mounted="$RFS/dev/pts $mounted"
mount -t tmpfs -o mode=1777 shm "$RFS/dev/shm" && mounted="$RFS/dev/shm $mounted"

# The checkout as committed (HEAD), cloned the way a newcomer would.
git clone --quiet --no-hardlinks "$ROOT" "$RFS/srv/journeys"
git -C "$RFS/srv/journeys" checkout --quiet "$(git rev-parse HEAD)"
say "cloned $(git rev-parse --short HEAD) into /srv/journeys"

in_root() {
    chroot "$RFS" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
        LANG=C.UTF-8 TERM=dumb /bin/sh -c "$1"
}

# The port the mail catcher `make run` started inside the root listens on,
# from its command line ("python3 -m aiosmtpd ... -l 127.0.0.1:PORT"), or
# nothing. run.sh chooses the port and does not print it.
catcher_port() {
    real=$(readlink -f "$RFS")
    for d in /proc/[0-9]*; do
        [ "$(readlink "$d/root" 2>/dev/null)" = "$real" ] || continue
        tr '\0' ' ' 2>/dev/null <"$d/cmdline" |
            sed -n 's/.*aiosmtpd.* -l 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p'
    done | head -n 1
}

# Whether the services `make run` starts beside the site answer: the TEST
# payment stand-in (its port in run.sh's "Payments: a TEST provider on ..."
# line) on its health route, and the mail catcher to an SMTP HELP. Waits up
# to 10 s for both; prints what did not answer, nothing when both did.
services_missing() {
    pay="" mail=""
    for _ in $(seq 1 100); do
        payport=$(sed -n 's|^Payments: a TEST provider on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' \
            "$RFS/tmp/run.log" | head -n 1)
        [ -n "$payport" ] && curl -fsS --max-time 2 "http://127.0.0.1:$payport/_test/health" >/dev/null 2>&1 &&
            pay=ok
        smtpport=$(catcher_port)
        [ -n "$smtpport" ] && curl -sS --max-time 2 "smtp://127.0.0.1:$smtpport" >/dev/null 2>&1 && mail=ok
        [ -n "$pay" ] && [ -n "$mail" ] && return 0
        sleep 0.1
    done
    [ -n "$pay" ] || printf ' the TEST payment stand-in%s did not answer;' "${payport:+ (port $payport)}"
    [ -n "$mail" ] || printf ' the mail catcher%s did not answer;' "${smtpport:+ (port $smtpport)}"
}

# make run: it installs what it needs, builds and serves; wait for an answer,
# then for the payment stand-in and the mail catcher beside it.
say "make run (PORT=$PORT)"
start=$(date +%s)
chroot "$RFS" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
    LANG=C.UTF-8 setsid /bin/sh -c "cd /srv/journeys && exec make run PORT=$PORT" >"$RFS/tmp/run.log" 2>&1 &
runpid=$!
run_result="did not answer"
while kill -0 "$runpid" 2>/dev/null; do
    if curl -fsS --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
        run_result="answered in $(( $(date +%s) - start )) s"
        break
    fi
    [ $(( $(date +%s) - start )) -gt 1800 ] && break
    sleep 1
done
case $run_result in
answered*)
    missing=$(services_missing)
    if [ -z "$missing" ]; then
        run_result="$run_result, with its TEST payments and mail catcher"
    else
        run_result="$run_result, but${missing%;}"
    fi
    ;;
esac
say "make run $run_result"
kill -TERM -"$runpid" 2>/dev/null || true
wait "$runpid" 2>/dev/null || true
# run.sh stops nginx and the workers on TERM; wait until the port is free.
for _ in $(seq 1 100); do
    curl -s --max-time 1 "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || break
    sleep 0.1
done
cat "$RFS/tmp/run.log" >>"$LOG"
case $run_result in *", with its TEST payments and mail catcher") run_ok=1 ;; *) run_ok=0; tail -n 30 "$RFS/tmp/run.log" ;; esac

say "make test"
in_root "cd /srv/journeys && make test" >"$RFS/tmp/test.log" 2>&1 || true
cat "$RFS/tmp/test.log" >>"$LOG"
tests=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$RFS/tmp/test.log" | tail -n 1)
if [ -z "$tests" ] || ! echo "$tests" | grep -q ' 0 failed'; then
    tail -n 40 "$RFS/tmp/test.log"
fi

node=$(in_root "node --version" 2>/dev/null || echo "no node")
echo "bookworm ($(date -u +%Y-%m-%d), node $node): make run ${run_result}; make test: ${tests:-no result}"
[ "$run_ok" = 1 ] && echo "$tests" | grep -q ' 0 failed'
