#!/bin/sh
# The Debian package end to end: `make deb`, dpkg -i, the installed binary
# checked from outside the tree (version, man page, every shipped suite
# loaded and the smoke suite's plan listed from /usr/share/ike-conform/suites,
# the example pipelines' shard and merge steps run with the installed binary
# against a strongSwan lab device), dpkg --purge. Nothing stays installed,
# whatever happens. As root, on Debian 12, with strongSwan; 42 s here
# (build 20 s, the pipelines' steps 15 s).
#   ci/deb-check.sh          the above
#   ci/deb-check.sh --no-pipelines   without the pipelines' steps
#                            (ci/examples/try-local.sh, ~15 s)
#   ci/deb-check.sh --run    also runs the smoke suite from the package (-j 2,
#                            ~10 s, needs strongSwan) and merges its report;
#                            off by default: `make run` already runs it
#                            from the tree, and it adds the suite's timing
#                            sensitivity on a loaded machine to this check
# Refuses (exit 3) when an ike-conform package is already installed, so
# that it never removes one it did not install.
set -eu
cd "$(dirname "$0")/.."

run=0
pipelines=1
for a in "$@"; do
	case "$a" in
	--run) run=1 ;;
	--no-pipelines) pipelines=0 ;;
	*) echo "ci/deb-check.sh: unknown option $a" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "ci/deb-check.sh: needs root (dpkg -i)" >&2
	exit 3
fi
if dpkg-query -W -f='${Status}\n' ike-conform 2>/dev/null | grep -q 'installed$'; then
	echo "ci/deb-check.sh: an ike-conform package is already installed; remove it first" >&2
	exit 3
fi

step() { echo "deb-check: $*"; }
tree=$(pwd -P)
t0=$(date +%s)
make deb
version=$(dpkg-parsechangelog -S Version)
deb=build/deb/ike-conform_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
t1=$(date +%s)
step "built $deb in $((t1 - t0)) s"

tmp=$(mktemp -d /tmp/ikec-deb-check-XXXXXX)
installed=0
cleanup() {
	[ "$installed" = 0 ] || dpkg --purge ike-conform >/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# dpkg -i, not apt: ci/deps.sh has installed everything the package
# Depends on (its libraries, iputils-ping), so a missing one is a bug here.
installed=1
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
[ -x /usr/bin/ike-conform ] || { echo "deb-check: /usr/bin/ike-conform missing" >&2; exit 1; }
t2=$(date +%s)
step "installed in $((t2 - t1)) s"

# From a folder with no source tree around it.
cd "$tmp"
step "$(ike-conform version)"
man=$(man -w ike-conform)
step "man page: $man"
suite=/usr/share/ike-conform/suites/smoke.yaml
n=$(ike-conform run --list "$suite" 2>/dev/null | grep -c '^smoke')
[ "$n" -gt 0 ] || { echo "deb-check: no cases listed in $suite" >&2; exit 1; }
step "$n cases listed in $suite"
for f in hagle dh-groups lifetime nat-t malformed; do
	ike-conform run --list "/usr/share/ike-conform/suites/$f.yaml" >/dev/null 2>"$tmp/list.err" ||
		{ cat "$tmp/list.err" >&2; exit 1; }
done
step "every installed suite loads"
if [ "$run" = 1 ]; then
	ike-conform run "$suite" -j 2 -q --junit "$tmp/junit.xml" --out "$tmp/out"
	ike-conform merge -o "$tmp/merged.xml" "$tmp/junit.xml" >/dev/null
	step "smoke suite passed from the package; its report merges"
fi
if [ "$pipelines" = 1 ]; then
	# The pipelines' test and report steps with what the package installed:
	# 2 shards against the lab device, merged, totals checked. smoke and
	# dh-groups (23 cases, ~15 s); hagle's 250 would add ~100 s. try-local
	# removes its device and folder on any exit, before the purge below.
	tp=$(date +%s)
	"$tree/ci/examples/try-local.sh" --bin /usr/bin/ike-conform \
		--suites /usr/share/ike-conform/suites --shards 2 smoke.yaml dh-groups.yaml
	step "the pipelines' steps passed with the package in $(($(date +%s) - tp)) s"
fi
cd - >/dev/null

dpkg --purge ike-conform >/dev/null
installed=0
for p in /usr/bin/ike-conform /usr/share/ike-conform /usr/share/doc/ike-conform \
	 /usr/share/man/man1/ike-conform.1.gz; do
	[ ! -e "$p" ] || { echo "deb-check: $p left after dpkg --purge" >&2; exit 1; }
done
t3=$(date +%s)
step "removed; $((t3 - t0)) s in all (build $((t1 - t0)) s, install $((t2 - t1)) s, checks and removal $((t3 - t2)) s)"
