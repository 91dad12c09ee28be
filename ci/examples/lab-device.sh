#!/bin/sh
# A strongSwan "device" to try ike-conform's remote peer and the example
# pipelines without a vendor's device: charon (kernel-libipsec: ESP in user
# space, UDP-encapsulated) in a network namespace of its own, reached from
# the host through a veth, and DIR/device.yaml, its profile.
#   ci/examples/lab-device.sh up DIR     start it; writes DIR/device.yaml
#   ci/examples/lab-device.sh down DIR   stop it, remove what up made
# The device: namespace ikeclab, 198.51.100.10/24 on its eth0, 10.2.0.1/32
# on its lo (kernel-libipsec refuses selectors that hold the IKE addresses);
# the host's end of the veth is ikeclab0, with no address: the harness puts
# a macvlan of its run's namespace on it, as 198.51.100.1/24. The device
# takes PSK Main Mode from 198.51.100.1 both ways (tunnel 10.2.0.0/24 <->
# 10.1.0.0/24) and does NAT-T. One lab device per host at a time.
# The PSK is $IKEC_LAB_PSK when set, else a random one kept in DIR/psk;
# the profile names the variable (psk_env), never the key.
# `ike-conform cleanup` (prefix ikec) would take the namespace too: bring
# the device down before using it.
# Exit status: 0 done, 1 failed (up has undone its own work), 2 usage,
# 3 not root or strongSwan missing.
set -eu

NS=ikeclab
LINK=ikeclab0
CHARON=/usr/lib/ipsec/charon
prog=lab-device.sh

usage() {
	echo "usage: $prog up|down DIR" >&2
	exit 2
}
[ $# = 2 ] || usage
cmd=$1
dir=$2
case "$cmd" in up|down) ;; *) usage ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "$prog: needs root (network namespaces, veth)" >&2
	exit 3
fi
for t in ip unshare setsid; do
	command -v "$t" >/dev/null 2>&1 || { echo "$prog: $t not found (iproute2, util-linux)" >&2; exit 3; }
done

ns_exists() { ip netns list | grep -q "^$NS\( \|$\)"; }

# Every file up writes, so that down removes exactly those.
FILES="strongswan.conf swanctl.conf charon.log charon.out vici psk device.yaml"

down() {
	if ns_exists; then
		# charon and anything else up started lives in the namespace
		pids=$(ip netns pids "$NS" 2>/dev/null || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086 # one word per pid
			kill $pids 2>/dev/null || true
			i=0
			while [ -n "$(ip netns pids "$NS" 2>/dev/null)" ] && [ $i -lt 20 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			pids=$(ip netns pids "$NS" 2>/dev/null || true)
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		fi
	fi
	# the host's end first: deleting it takes the pair with it
	! ip link show "$LINK" >/dev/null 2>&1 || ip link del "$LINK"
	! ns_exists || ip netns del "$NS"
	if [ -d "$dir" ]; then
		for f in $FILES; do rm -f "$dir/$f"; done
		rmdir "$dir" 2>/dev/null || true
	fi
	if ns_exists || ip link show "$LINK" >/dev/null 2>&1; then
		echo "$prog: could not remove namespace $NS or link $LINK" >&2
		return 1
	fi
}

if [ "$cmd" = down ]; then
	down
	echo "$prog: down"
	exit 0
fi

if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null 2>&1; then
	echo "$prog: needs strongSwan's charon ($CHARON) and swanctl" \
	     "(strongswan-charon, strongswan-swanctl, libcharon-extra-plugins for kernel-libipsec)" >&2
	exit 3
fi
if ns_exists || ip link show "$LINK" >/dev/null 2>&1; then
	# not ours to take over or remove
	echo "$prog: namespace $NS or link $LINK exists already (a lab device is up? '$prog down DIR')" >&2
	exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
# charon's config syntax and the unix socket's 108 bytes
case "$dir" in *[\ \	\#{}=]*) echo "$prog: DIR must not hold spaces or any of #{}=: $dir" >&2; exit 2 ;; esac
[ ${#dir} -le 90 ] || { echo "$prog: DIR too long for charon's vici socket: $dir" >&2; exit 2; }

ok=0
undo() { [ "$ok" = 1 ] || { echo "$prog: up failed; undoing" >&2; down >/dev/null 2>&1 || true; }; }
trap undo EXIT
trap 'exit 130' INT TERM HUP

if [ -n "${IKEC_LAB_PSK:-}" ]; then
	psk=$IKEC_LAB_PSK
else
	psk=lab-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	(umask 077 && printf '%s\n' "$psk" >"$dir/psk")
fi
case "$psk" in *[\"\\]*) echo "$prog: IKEC_LAB_PSK must not hold \" or \\" >&2; exit 2 ;; esac

ip netns add "$NS"
ip link add "$LINK" type veth peer name eth0 netns "$NS"
ip link set "$LINK" up
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.51.100.10/24 dev eth0
ip -n "$NS" link set eth0 up
ip -n "$NS" addr add 10.2.0.1/32 dev lo

cat >"$dir/strongswan.conf" <<EOF
# lab-device.sh: the lab device's charon (generated)
charon {
	load = random nonce openssl aes sha1 sha2 md5 hmac gcm gmp pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici updown
	port = 500
	port_nat_t = 4500
	filelog {
		lab {
			path = $dir/charon.log
			time_format = %b %e %T
			ike_name = yes
			flush_line = yes
			default = 1
			ike = 2
		}
	}
	plugins {
		vici {
			socket = unix://$dir/vici
		}
	}
}
swanctl {
	socket = unix://$dir/vici
}
EOF
# no PFS in esp_proposals: charon as initiator would send a KE with every
# proposal, and the profile's esp entries have no group
(umask 077 && cat >"$dir/swanctl.conf" <<EOF
connections {
	gw {
		version = 1
		local_addrs = 198.51.100.10
		remote_addrs = 198.51.100.1
		proposals = aes128-sha256-modp2048,aes128-sha1-modp2048,aes256-sha256-modp2048,3des-sha1-modp1024
		local {
			auth = psk
			id = 198.51.100.10
		}
		remote {
			auth = psk
			id = 198.51.100.1
		}
		children {
			gw {
				local_ts = 10.2.0.0/24
				remote_ts = 10.1.0.0/24
				esp_proposals = aes128-sha256,aes128-sha1
			}
		}
	}
}
secrets {
	ike-lab {
		id-device = 198.51.100.10
		id-harness = 198.51.100.1
		secret = "$psk"
	}
}
EOF
)

# A mount namespace of its own with a private /run (charon.pid, the
# default sockets); setsid: out of the caller's process group, so a Ctrl-C
# there does not reach it (down stops it).
setsid ip netns exec "$NS" unshare -m sh -c \
	"mount -t tmpfs none /run && STRONGSWAN_CONF=$dir/strongswan.conf exec $CHARON" \
	</dev/null >"$dir/charon.out" 2>&1 &

sw() { STRONGSWAN_CONF="$dir/strongswan.conf" swanctl "$@"; }
i=0
until sw --stats >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || [ -z "$(ip netns pids "$NS" 2>/dev/null)" ]; then
		echo "$prog: charon did not answer on $dir/vici; charon.out:" >&2
		tail -n 5 "$dir/charon.out" >&2 || true
		exit 1
	fi
	sleep 0.1
done
sw --load-all --file "$dir/swanctl.conf" >"$dir/charon.out.load" 2>&1 ||
	{ cat "$dir/charon.out.load" >&2; rm -f "$dir/charon.out.load"; exit 1; }
rm -f "$dir/charon.out.load"

sc="STRONGSWAN_CONF=$dir/strongswan.conf swanctl"
cat >"$dir/device.yaml" <<EOF
# The lab device of ci/examples/lab-device.sh (generated): strongSwan in
# namespace $NS, reached through $LINK. The PSK is in \$IKEC_LAB_PSK.
device: strongswan-lab
address: 198.51.100.10
reach: { interface: $LINK, address: 198.51.100.1/24 }
accepts:
  roles: [responder, initiator]
  exchanges: [main]
  auth: [psk]
  psk_env: IKEC_LAB_PSK
  proposals: [aes128-sha256-modp2048, aes128-sha1-modp2048, aes256-sha256-modp2048,
              3des-sha1-modp1024]
  esp: [aes128-sha256, aes128-sha1]
  modes: [tunnel]
  natt: true
traffic: { device_ts: 10.2.0.0/24, harness_ts: 10.1.0.0/24, ping: 10.2.0.1 }
rate: 50
settle: 300ms
commands:
  initiate: '$sc --initiate --child gw'
  # nothing to reset is not an error; a charon that does not answer is
  reset: '$sc --stats >/dev/null && { $sc --terminate --ike gw --force || true; }'
  timeout: 20s
EOF

ok=1
echo "$prog: up: namespace $NS, host link $LINK, profile $dir/device.yaml"
if [ -z "${IKEC_LAB_PSK:-}" ]; then
	echo "$prog: before running ike-conform: export IKEC_LAB_PSK=\"\$(cat $dir/psk)\""
fi
