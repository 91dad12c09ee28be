#!/bin/sh
# Unpacks Debian's libreswan (and the libraries it needs beyond ours) into
# DIR, never installing it: the package conflicts with strongSwan's. The
# libreswan peer driver runs pluto from DIR (IKEC_LIBRESWAN=DIR).
#   ci/libreswan.sh DIR
# Idempotent: DIR/.ike-conform-libreswan records the package versions, and
# nothing is done while it matches what apt would fetch now.
# $PACKAGES is a list, split on purpose.
# shellcheck disable=SC2086
set -eu

PACKAGES="libreswan libldns3 libevent-pthreads-2.1-7"

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: ci/libreswan.sh DIR" >&2
	exit 2
fi
DIR=$1
STAMP=$DIR/.ike-conform-libreswan

# The candidate version of every package, one "name version" a line.
libreswan_versions() {
	for p in $PACKAGES; do
		v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		if [ -z "$v" ] || [ "$v" = "(none)" ]; then
			return 1
		fi
		echo "$p $v"
	done
}

if ! want=$(libreswan_versions); then
	echo "ci/libreswan.sh: apt knows no candidate for $PACKAGES: running apt-get update" >&2
	apt-get update -qq || { echo "ci/libreswan.sh: apt-get update failed" >&2; exit 1; }
	want=$(libreswan_versions) || {
		echo "ci/libreswan.sh: apt has no candidate for one of: $PACKAGES" >&2
		exit 1
	}
fi
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] &&
	[ -x "$DIR/usr/libexec/ipsec/pluto" ]; then
	exit 0
fi

TMP=$(mktemp -d /tmp/ike-conform-libreswan.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# apt-get download writes into the current directory; _apt must be able
# to write there when run as root.
chmod 0777 "$TMP"
if ! (cd "$TMP" && apt-get download -qq $PACKAGES); then
	echo "ci/libreswan.sh: download failed: running apt-get update once" >&2
	apt-get update -qq || { echo "ci/libreswan.sh: apt-get update failed" >&2; exit 1; }
	(cd "$TMP" && apt-get download -qq $PACKAGES) || {
		echo "ci/libreswan.sh: apt-get download $PACKAGES failed" >&2
		exit 1
	}
fi

mkdir -p "$DIR"
rm -f "$STAMP"
for deb in "$TMP"/*.deb; do
	dpkg -x "$deb" "$DIR" || { echo "ci/libreswan.sh: dpkg -x $deb failed" >&2; exit 1; }
done
if [ ! -x "$DIR/usr/libexec/ipsec/pluto" ]; then
	echo "ci/libreswan.sh: $DIR/usr/libexec/ipsec/pluto missing after unpacking" >&2
	exit 1
fi
# The versions unpacked (the stamp says what is there, not what was asked).
for deb in "$TMP"/*.deb; do
	dpkg-deb -f "$deb" Package Version | tr '\n' ' ' | sed 's/Package: //; s/ Version://; s/ $//'
	echo
done | sort >"$TMP/got"
echo "$want" | sort >"$TMP/want"
if ! cmp -s "$TMP/got" "$TMP/want"; then
	echo "ci/libreswan.sh: unpacked versions differ from apt's candidates:" >&2
	cat "$TMP/got" >&2
	exit 1
fi
echo "$want" >"$STAMP"
echo "ci/libreswan.sh: libreswan unpacked in $DIR"
