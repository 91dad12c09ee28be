#!/bin/sh
# Installs every Debian package ike-conform needs. Idempotent.
#   ci/deps.sh               install what is missing (apt-get update once)
#   ci/deps.sh --if-missing  the same, silent when nothing is missing
#   ci/deps.sh --list        print the list
#   --fuzz (with any of the above): also the packages of `make fuzz`
#   (clang and libFuzzer's runtime), which `make check` never needs
#   --deb (likewise): also the packaging tools of `make deb` and
#   ci/deb-check.sh (dpkg-dev, debhelper, fakeroot)
# chromium (headless) renders the HTML report in the html suite's browser
# test, with fonts-dejavu-core so its screenshot has glyphs. ike-scan (with
# psk-crack) probes our responder in make check as an outside witness;
# libnss3-tools' certutil and pk12util fill libreswan's NSS database.
set -eu

PACKAGES="
build-essential
pkg-config
libssl-dev
zlib1g-dev
libpcap-dev
check
libnl-3-dev
libnl-route-3-dev
libnl-xfrm-3-dev
libyaml-dev
libxml2-dev
iproute2
nftables
tshark
ike-scan
libnss3-tools
strongswan-charon
strongswan-swanctl
libcharon-extra-plugins
libstrongswan-standard-plugins
libstrongswan-extra-plugins
iputils-ping
linux-image-amd64
qemu-system-x86
busybox-static
cpio
kmod
chromium
fonts-dejavu-core
"

# make fuzz: clang -fsanitize=fuzzer needs libclang_rt.fuzzer*.a, which
# Debian 12 ships in libclang-rt-14-dev (clang itself only recommends it).
FUZZ_PACKAGES="
clang
libclang-rt-14-dev
"

# make deb: dpkg-buildpackage, dh (compat 13) and fakeroot for the binary
# package; the build dependencies are the ones above (debian/control).
DEB_PACKAGES="
dpkg-dev
debhelper
fakeroot
"

mode=""
for a in "$@"; do
	case "$a" in
	--fuzz) PACKAGES="$PACKAGES $FUZZ_PACKAGES" ;;
	--deb) PACKAGES="$PACKAGES $DEB_PACKAGES" ;;
	--list|--if-missing) mode="$a" ;;
	*) echo "ci/deps.sh: unknown option $a" >&2; exit 2 ;;
	esac
done

if [ "$mode" = "--list" ]; then
	echo $PACKAGES | tr ' ' '\n'
	exit 0
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "$mode" = "--if-missing" ] || echo "ci/deps.sh: all packages are installed"
	exit 0
fi

echo "ci/deps.sh: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "ci/deps.sh: not root; install these packages as root:$missing" >&2
	exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
