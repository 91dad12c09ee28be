/* netns: the topology builder. Network namespaces named like iproute2's
 * (/run/netns/NAME, so `ip netns exec NAME ...` works for debugging), veth
 * pairs, addresses and routes through libnl-route-3, NAT boxes through
 * nftables, and a teardown that leaves nothing behind, even after a crash.
 *
 * Topologies (only TEST-NET and 10.x addresses; every namespace has lo up,
 * the harness 10.1.0.1/32 and the peer 10.2.0.1/32 on lo as tunnel subnets,
 * because strongSwan's kernel-libipsec refuses traffic selectors that
 * overlap the IKE addresses):
 *
 *   direct:
 *     [h 192.0.2.1/24]eth-p ---- eth-h[p 192.0.2.2/24]
 *
 *   nat-harness:
 *     [h 198.51.100.2/24]eth-nh -- eth-h[nh 198.51.100.1 | 192.0.2.1]eth-p -- eth-nh[p 192.0.2.2/24]
 *     h: default via 198.51.100.1
 *     nh: masquerade 198.51.100.0/24 leaving eth-p; UDP 500, 4500 to
 *         192.0.2.1 arriving on eth-p DNAT to 198.51.100.2
 *
 *   nat-peer:
 *     [h 192.0.2.1/24]eth-np -- eth-h[np 192.0.2.2 | 203.0.113.1]eth-p -- eth-np[p 203.0.113.2/24]
 *     p: default via 203.0.113.1
 *     np: masquerade 203.0.113.0/24 leaving eth-h; UDP 500, 4500 to
 *         192.0.2.2 arriving on eth-h DNAT to 203.0.113.2
 *
 *   nat-both:
 *     [h 198.51.100.2]eth-nh -- [nh 198.51.100.1 | 192.0.2.1]eth-np --
 *         eth-nh[np 192.0.2.2 | 203.0.113.1] -- eth-np[p 203.0.113.2]
 *     both boxes as above; h default via 198.51.100.1, p via 203.0.113.1
 *
 * The lo subnets are deliberately not routed: only a tunnel (the data plane
 * or the peer's own routes) may carry traffic between them, so a probe that
 * gets through proves the SA did it.
 *
 * Interface names are the role of the namespace at the other end ("eth-p"),
 * which fits IFNAMSIZ whatever the prefix; veth ends are created directly
 * inside their namespaces and never appear in the root namespace.
 *
 * Namespaces are named <prefix>-<runid>-<role>: prefix "ikec" unless given,
 * runid six hex digits unique per process, time and topology, role h, p,
 * nh or np.
 *
 * Threads: netns_enter and netns_leave switch the calling thread only;
 * everything else leaves the caller's namespace as it found it. Create
 * and remove namespaces from one thread (the crash registry has no lock).
 *
 * Conntrack: netns_conntrack_flush and netns_conntrack_count speak
 * ctnetlink directly over a libnl-3 core socket (no conntrack tool, no
 * libnl-nf); they need CONFIG_NF_CT_NETLINK in the kernel. */
#ifndef IKEC_NETNS_NETNS_H
#define IKEC_NETNS_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/addr.h"

#define NETNS_PREFIX_DEFAULT "ikec"
#define NETNS_PREFIX_MAX 32          /* characters of a prefix */
#define NETNS_NAME_MAX 64            /* bytes of a name, with the NUL */
#define NETNS_RUN_DIR "/run/netns"

enum netns_topology {
	NETNS_TOPO_DIRECT,
	NETNS_TOPO_NAT_HARNESS,
	NETNS_TOPO_NAT_PEER,
	NETNS_TOPO_NAT_BOTH,
	NETNS_TOPO_COUNT
};

enum netns_role {
	NETNS_ROLE_HARNESS,          /* "h" */
	NETNS_ROLE_PEER,             /* "p" */
	NETNS_ROLE_NAT_HARNESS,      /* "nh": the NAT box in front of the harness */
	NETNS_ROLE_NAT_PEER,         /* "np": the NAT box in front of the peer */
	NETNS_ROLE_COUNT
};

/* "direct", "nat-harness", "nat-peer", "nat-both"; NULL when out of range. */
const char *netns_topology_name(enum netns_topology t);
/* By name; false with the valid names listed in err otherwise. */
bool netns_topology_parse(const char *s, enum netns_topology *out, char *err, size_t errlen);
/* "h", "p", "nh", "np"; NULL when out of range. */
const char *netns_role_tag(enum netns_role r);

struct netns_topo_internal;

/* A built topology. Read-only for callers. Addresses carry port 500. */
struct netns_topo {
	enum netns_topology kind;
	char prefix[NETNS_PREFIX_MAX + 1];
	char runid[8];
	char ns[NETNS_ROLE_COUNT][NETNS_NAME_MAX];  /* "" for a role not present */
	struct netaddr harness_ike;     /* the harness's own IKE address */
	struct netaddr peer_ike;        /* the peer's own IKE address */
	struct netaddr harness_public;  /* where the peer reaches the harness */
	struct netaddr peer_public;     /* where the harness reaches the peer */
	struct netaddr harness_subnet;  /* 10.1.0.1, a /32 on the harness's lo */
	struct netaddr peer_subnet;     /* 10.2.0.1, a /32 on the peer's lo */
	bool harness_nat;               /* the harness is behind a NAT box */
	bool peer_nat;                  /* the peer is behind a NAT box */
	struct netns_topo_internal *in;
};

/* Build a topology (prefix NULL: NETNS_PREFIX_DEFAULT). Everything made
 * on the way is removed again on failure. NULL with err filled. */
struct netns_topo *netns_topo_new(enum netns_topology kind, const char *prefix,
				  char *err, size_t errlen);
/* The addresses and NAT flags of a topology without building it (names
 * empty, in NULL): what a dry run or a suite check needs. */
bool netns_topo_describe(enum netns_topology kind, struct netns_topo *out, char *err,
			 size_t errlen);
/* The namespace of a role, or NULL when the topology has none. */
const char *netns_topo_ns(const struct netns_topo *t, enum netns_role r);
/* Kill every process inside the topology's namespaces, delete the veths,
 * unmount and unlink /run/netns/NAME. Idempotent; false when something
 * could not be removed (the rest is still removed). */
bool netns_topo_teardown(struct netns_topo *t, char *err, size_t errlen);
/* Make a NAT box (NETNS_ROLE_NAT_HARNESS or NETNS_ROLE_NAT_PEER) map every
 * flow to a new external port, as a NAT that lost its state or rebooted:
 * its masquerade moves to a port range disjoint from the previous one
 * (10000-14999 and 15000-19999 in turn) and its conntrack entries are
 * flushed. False with err when the topology has no such box. */
bool netns_topo_remap(struct netns_topo *t, enum netns_role box, char *err, size_t errlen);
/* Toward a device under test (a remote peer):
 *
 *   [ harness ns ]                         host                 device
 *    eth-dev (macvlan, local/len) --- interface (parent) ----- address
 *    lo: harness_host/32                   (gateway, when the device is
 *                                           not on the link)
 *
 *   with nat, the harness behind a NAT box of the run's own (IPv4 only):
 *
 *   [ harness ns ]              [ nh ns ]                  host      device
 *    eth-nh 203.0.113.2/24 --- eth-h 203.0.113.1/24
 *    default via .1              eth-dev (macvlan, local/len) -- interface -- address
 *    lo: harness_host/32         masquerade 203.0.113.0/24 leaving eth-dev;
 *                                UDP 500, 4500 to local DNAT to 203.0.113.2
 *
 *   (the inside network is the first of 203.0.113.0/24, 198.51.100.0/24,
 *   192.0.2.0/24 that holds neither local, the device nor the gateway)
 *
 * Only the run's namespaces: the macvlan dies with them, and the host's
 * interface is never changed. There is no peer role; peer_ike and
 * peer_public are the device's address, harness_public is local and
 * harness_ike the harness's own (the inside address behind the NAT). */
#define NETNS_REMOTE_IF "eth-dev"
struct netns_remote {
	const char *interface;          /* the host's link toward the device */
	struct netaddr local;           /* the harness's address on it */
	unsigned prefix_len;
	struct netaddr device;
	const char *gateway;            /* NULL: on-link */
	const char *harness_host;       /* put on lo (NULL: none) */
	bool nat;                       /* the harness behind a NAT box */
};
struct netns_topo *netns_topo_remote(const char *prefix, const struct netns_remote *rm, char *err,
				     size_t errlen);
/* Teardown (errors logged) and free; NULL is fine. */
void netns_topo_free(struct netns_topo *t);

/* ---- namespaces ---- */

/* A valid prefix: 1..NETNS_PREFIX_MAX of [A-Za-z0-9_]. */
bool netns_prefix_valid(const char *prefix, char *err, size_t errlen);
/* Create /run/netns/NAME (fails if it exists) and record it in the
 * process-wide registry for crash cleanup. */
bool netns_create(const char *name, char *err, size_t errlen);
/* Kill its processes, unmount and unlink it, forget it. A namespace that
 * does not exist is already removed (true). */
bool netns_remove(const char *name, char *err, size_t errlen);
/* Signal every process whose network namespace is NAME's (never this
 * process): SIGTERM, up to grace_ms for them to go, then SIGKILL. Returns
 * how many were found, -1 on error. */
int netns_kill_procs(const char *name, int grace_ms, char *err, size_t errlen);
/* How many processes (never this one) run in NAME; 0 when it does not
 * exist, -1 on error. */
int netns_count_procs(const char *name, char *err, size_t errlen);
/* True when /run/netns/NAME is a mounted namespace. */
bool netns_exists(const char *name);

/* Switch the calling thread into NAME; netns_leave switches back. Sockets
 * opened in between stay in NAME. */
struct netns_saved {
	int fd;                     /* the thread's previous namespace; -1 when none */
};
bool netns_enter(const char *name, struct netns_saved *saved, char *err, size_t errlen);
bool netns_leave(struct netns_saved *saved, char *err, size_t errlen);

/* Run argv (PATH searched) inside NAME with fork + setns + exec; input
 * (may be NULL) goes to its stdin; stdout and stderr together are caught
 * into *output (NUL-terminated, at most 1 MiB kept; may be NULL to
 * discard; free() it). timeout_ms > 0 kills it after that long. *status
 * is the exit status, or 128 + the signal that ended it. False when it
 * could not be run or waited for, or was killed at the timeout (err says
 * why). A background process that keeps stdout open holds the call until
 * the timeout: start daemons with netns_spawn. */
bool netns_exec(const char *name, char *const argv[], const char *input, int timeout_ms,
		char **output, int *status, char *err, size_t errlen);
/* Start argv inside NAME without waiting (stdin from /dev/null, output to
 * log_path, or /dev/null when NULL); *pid for the caller to reap. */
bool netns_spawn(const char *name, char *const argv[], const char *log_path, pid_t *pid,
		 char *err, size_t errlen);

/* Bring an interface up inside NAME (libnl-route); NAME NULL here and in
 * netns_route_add: the calling thread's own namespace. */
bool netns_link_up(const char *name, const char *ifname, char *err, size_t errlen);
/* A route to dst_cidr ("10.2.0.1/32") out of ifname inside NAME, through
 * the gateway via, or on the link itself when via is NULL (a TUN device). */
bool netns_route_add(const char *name, const char *dst_cidr, const char *ifname, const char *via,
		     char *err, size_t errlen);

/* Apply an nftables ruleset inside NAME (`nft -f -`). */
bool netns_nft(const char *name, const char *ruleset, char *err, size_t errlen);
/* Write a sysctl under /proc/sys (path relative, "net/ipv4/ip_forward")
 * inside NAME. */
bool netns_sysctl(const char *name, const char *path, const char *value,
		  char *err, size_t errlen);
/* Delete every conntrack entry (IPv4 and IPv6) inside NAME. */
bool netns_conntrack_flush(const char *name, char *err, size_t errlen);
/* How many conntrack entries NAME holds; -1 on error. */
long netns_conntrack_count(const char *name, char *err, size_t errlen);

/* ---- crash safety ---- */

/* Remove every namespace this process created and has not removed yet.
 * Registered with atexit by the first netns_create; does nothing in a
 * forked child (only the creating process cleans up). Uses only
 * syscalls on precomputed paths, so a signal handler may call it. */
void netns_cleanup_all(void);
/* SIGINT, SIGTERM, SIGHUP, SIGPIPE and the faults (SIGSEGV, SIGBUS, SIGABRT,
 * SIGFPE, SIGILL): netns_cleanup_all, then the signal again with its
 * default action. A handler installed later for these signals
 * replaces this one and must call netns_cleanup_all itself. */
bool netns_install_signal_cleanup(char *err, size_t errlen);
/* Remove every /run/netns/<prefix>-* (leftovers of crashed runs),
 * killing their processes first. each (may be NULL) is told every name
 * removed; *count is how many. False when one could not be removed or
 * the directory not read (the others are still removed). */
bool netns_cleanup_prefix(const char *prefix, void (*each)(const char *name, void *ctx),
			  void *ctx, unsigned *count, char *err, size_t errlen);

#endif
