/* netns: the four topologies as tables, built with libnl-route-3 (links,
 * addresses, routes) and nftables (the NAT boxes); the diagrams are in
 * netns.h. */
#include "netns/netns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "core/log.h"
#include "netns/internal.h"

struct netns_link_spec {
	enum netns_role a, b;
	const char *a_cidr, *b_cidr;        /* NULL ends the list */
};

struct netns_route_spec {
	enum netns_role role;
	const char *via;                    /* a default route; NULL ends the list */
};

/* A NAT box: masquerade what leaves toward outer from inner_net, forward
 * UDP 500 and 4500 arriving from outer on public to inner_host. */
struct netns_nat_spec {
	enum netns_role box, inner, outer;
	const char *public_ip, *inner_net, *inner_host; /* NULL ends the list */
	const char *outer_if;               /* NULL: the link toward outer */
};

struct netns_topo_spec {
	const char *name;
	bool has[NETNS_ROLE_COUNT];
	struct netns_link_spec links[4];
	struct netns_route_spec routes[3];
	struct netns_nat_spec nat[3];
	const char *harness_ike, *harness_public, *peer_ike, *peer_public;
};

#define H NETNS_ROLE_HARNESS
#define P NETNS_ROLE_PEER
#define NH NETNS_ROLE_NAT_HARNESS
#define NP NETNS_ROLE_NAT_PEER

static const struct netns_topo_spec netns_specs[NETNS_TOPO_COUNT] = {
	[NETNS_TOPO_DIRECT] = {
		.name = "direct",
		.has = { [H] = true, [P] = true },
		.links = { { H, P, "192.0.2.1/24", "192.0.2.2/24" } },
		.harness_ike = "192.0.2.1", .harness_public = "192.0.2.1",
		.peer_ike = "192.0.2.2", .peer_public = "192.0.2.2",
	},
	[NETNS_TOPO_NAT_HARNESS] = {
		.name = "nat-harness",
		.has = { [H] = true, [P] = true, [NH] = true },
		.links = { { H, NH, "198.51.100.2/24", "198.51.100.1/24" },
			   { NH, P, "192.0.2.1/24", "192.0.2.2/24" } },
		.routes = { { H, "198.51.100.1" } },
		.nat = { { NH, H, P, "192.0.2.1", "198.51.100.0/24", "198.51.100.2" } },
		.harness_ike = "198.51.100.2", .harness_public = "192.0.2.1",
		.peer_ike = "192.0.2.2", .peer_public = "192.0.2.2",
	},
	[NETNS_TOPO_NAT_PEER] = {
		.name = "nat-peer",
		.has = { [H] = true, [P] = true, [NP] = true },
		.links = { { H, NP, "192.0.2.1/24", "192.0.2.2/24" },
			   { NP, P, "203.0.113.1/24", "203.0.113.2/24" } },
		.routes = { { P, "203.0.113.1" } },
		.nat = { { NP, P, H, "192.0.2.2", "203.0.113.0/24", "203.0.113.2" } },
		.harness_ike = "192.0.2.1", .harness_public = "192.0.2.1",
		.peer_ike = "203.0.113.2", .peer_public = "192.0.2.2",
	},
	[NETNS_TOPO_NAT_BOTH] = {
		.name = "nat-both",
		.has = { [H] = true, [P] = true, [NH] = true, [NP] = true },
		.links = { { H, NH, "198.51.100.2/24", "198.51.100.1/24" },
			   { NH, NP, "192.0.2.1/24", "192.0.2.2/24" },
			   { NP, P, "203.0.113.1/24", "203.0.113.2/24" } },
		.routes = { { H, "198.51.100.1" }, { P, "203.0.113.1" } },
		.nat = { { NH, H, NP, "192.0.2.1", "198.51.100.0/24", "198.51.100.2" },
			 { NP, P, NH, "192.0.2.2", "203.0.113.0/24", "203.0.113.2" } },
		.harness_ike = "198.51.100.2", .harness_public = "192.0.2.1",
		.peer_ike = "203.0.113.2", .peer_public = "192.0.2.2",
	},
};

static const char *const netns_role_tags[NETNS_ROLE_COUNT] = { "h", "p", "nh", "np" };

#define NETNS_HARNESS_SUBNET "10.1.0.1"
#define NETNS_PEER_SUBNET "10.2.0.1"

struct netns_topo_internal {
	struct nl_sock *sk[NETNS_ROLE_COUNT]; /* each bound to its namespace */
	bool created[NETNS_ROLE_COUNT];       /* ours to remove (never a clash's) */
	unsigned remaps[NETNS_ROLE_COUNT];    /* netns_topo_remap calls per NAT box */
	bool remote;                          /* netns_topo_remote: no veths of ours */
	/* a NAT box toward a device: its spec and the strings it points to */
	struct netns_nat_spec remote_nat;
	char remote_public[64], remote_net[32], remote_host[32];
};

const char *netns_topology_name(enum netns_topology t)
{
	return (unsigned)t < NETNS_TOPO_COUNT ? netns_specs[t].name : NULL;
}

bool netns_topology_parse(const char *s, enum netns_topology *out, char *err, size_t errlen)
{
	char names[128] = "";
	size_t used = 0;
	for (unsigned i = 0; i < NETNS_TOPO_COUNT; i++) {
		if (s && !strcmp(s, netns_specs[i].name)) {
			*out = (enum netns_topology)i;
			return true;
		}
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
				 netns_specs[i].name);
		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
	}
	snprintf(err, errlen, "unknown topology '%s' (expected one of: %s)", s ? s : "", names);
	return false;
}

const char *netns_role_tag(enum netns_role r)
{
	return (unsigned)r < NETNS_ROLE_COUNT ? netns_role_tags[r] : NULL;
}

const char *netns_topo_ns(const struct netns_topo *t, enum netns_role r)
{
	return (unsigned)r < NETNS_ROLE_COUNT && t->ns[r][0] ? t->ns[r] : NULL;
}

/* The interface in role 'self' that leads to role 'other'. */
static void netns_ifname(enum netns_role other, char buf[16])
{
	snprintf(buf, 16, "eth-%s", netns_role_tags[other]);
}

/* ---- libnl steps; each error names the namespace and the object ---- */

/* ns NULL: the calling thread's own namespace. */
static bool netns_nl_open(const char *ns, struct nl_sock **out, char *err, size_t errlen)
{
	struct netns_saved saved = { -1 };
	char lerr[160];
	if (ns && !netns_enter(ns, &saved, err, errlen))
		return false;
	struct nl_sock *sk = nl_socket_alloc();
	int r = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	bool ok = r == 0;
	if (!ok)
		snprintf(err, errlen, "namespace %s: netlink socket: %s", ns ? ns : "(ours)",
			 nl_geterror(r));
	if (ns && !netns_leave(&saved, lerr, sizeof(lerr))) {
		snprintf(err, errlen, "namespace %s: %s", ns, lerr);
		ok = false;
	}
	if (!ok) {
		nl_socket_free(sk);
		return false;
	}
	*out = sk;
	return true;
}

static bool netns_nl_ifindex(struct nl_sock *sk, const char *ns, const char *ifname, int *index,
			     char *err, size_t errlen)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: interface %s: %s", ns, ifname, nl_geterror(r));
		return false;
	}
	*index = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return true;
}

static bool netns_nl_up(struct nl_sock *sk, const char *ns, const char *ifname, char *err,
			size_t errlen)
{
	struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
	int r = change ? rtnl_link_get_kernel(sk, 0, ifname, &link) : -NLE_NOMEM;
	if (r == 0) {
		rtnl_link_set_flags(change, IFF_UP);
		r = rtnl_link_change(sk, link, change, 0);
	}
	if (link)
		rtnl_link_put(link);
	if (change)
		rtnl_link_put(change);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: interface %s up: %s", ns, ifname, nl_geterror(r));
		return false;
	}
	return true;
}

/* A veth made in a's namespace with its other end put straight into b's:
 * it never appears in the root namespace. */
static bool netns_nl_veth(struct nl_sock *sk, const char *ns_a, const char *if_a,
			  const char *ns_b, const char *if_b, char *err, size_t errlen)
{
	int fd_b;
	if (!netns_open(ns_b, &fd_b, err, errlen))
		return false;
	struct rtnl_link *link = rtnl_link_veth_alloc();
	int r = -NLE_NOMEM;
	if (link) {
		struct rtnl_link *peer = rtnl_link_veth_get_peer(link);
		rtnl_link_set_name(link, if_a);
		rtnl_link_set_name(peer, if_b);
		rtnl_link_set_ns_fd(peer, fd_b);
		rtnl_link_put(peer);
		r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_veth_release(link);
	}
	close(fd_b);
	if (r < 0) {
		snprintf(err, errlen, "veth %s (namespace %s) - %s (namespace %s): %s", if_a, ns_a,
			 if_b, ns_b, nl_geterror(r));
		return false;
	}
	return true;
}

static bool netns_nl_addr(struct nl_sock *sk, const char *ns, const char *ifname,
			  const char *cidr, char *err, size_t errlen)
{
	int index, r;
	struct nl_addr *local = NULL;
	struct rtnl_addr *addr = NULL;
	if (!netns_nl_ifindex(sk, ns, ifname, &index, err, errlen))
		return false;
	r = nl_addr_parse(cidr, AF_INET, &local);
	if (r == 0) {
		addr = rtnl_addr_alloc();
		r = addr ? 0 : -NLE_NOMEM;
	}
	if (r == 0) {
		rtnl_addr_set_ifindex(addr, index);
		rtnl_addr_set_family(addr, AF_INET);
		rtnl_addr_set_prefixlen(addr, nl_addr_get_prefixlen(local));
		r = rtnl_addr_set_local(addr, local);
	}
	if (r == 0)
		r = rtnl_addr_add(sk, addr, 0);
	if (addr)
		rtnl_addr_put(addr);
	nl_addr_put(local);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: address %s on %s: %s", ns, cidr, ifname,
			 nl_geterror(r));
		return false;
	}
	return true;
}

/* A route to dst ("0.0.0.0/0", "10.2.0.1/32") out of ifname, via a
 * gateway or (via NULL) directly on the link. */
static bool netns_nl_route(struct nl_sock *sk, const char *ns, const char *ifname,
			   const char *dst_cidr, const char *via, char *err, size_t errlen)
{
	int index, r;
	struct nl_addr *dst = NULL, *gw = NULL;
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh = NULL;
	if (!netns_nl_ifindex(sk, ns, ifname, &index, err, errlen))
		return false;
	r = nl_addr_parse(dst_cidr, AF_INET, &dst);
	if (r == 0 && via)
		r = nl_addr_parse(via, AF_INET, &gw);
	if (r == 0) {
		route = rtnl_route_alloc();
		nh = rtnl_route_nh_alloc();
		r = route && nh ? 0 : -NLE_NOMEM;
	}
	if (r == 0) {
		rtnl_route_set_family(route, AF_INET);
		rtnl_route_set_table(route, RT_TABLE_MAIN);
		rtnl_route_set_protocol(route, RTPROT_STATIC);
		rtnl_route_set_scope(route, via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		r = rtnl_route_set_dst(route, dst);
	}
	if (r == 0) {
		rtnl_route_nh_set_ifindex(nh, index);
		if (gw)
			rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_add_nexthop(route, nh);
		nh = NULL; /* the route owns it now */
		/* a route again (the next case's tunnel) replaces the earlier one */
		r = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_REPLACE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	nl_addr_put(dst);
	nl_addr_put(gw);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: route to %s%s%s on %s: %s", ns, dst_cidr,
			 via ? " via " : "", via ? via : "", ifname, nl_geterror(r));
		return false;
	}
	return true;
}

bool netns_link_up(const char *ns, const char *ifname, char *err, size_t errlen)
{
	struct nl_sock *sk;
	if (!netns_nl_open(ns, &sk, err, errlen))
		return false;
	bool ok = netns_nl_up(sk, ns ? ns : "(ours)", ifname, err, errlen);
	nl_socket_free(sk);
	return ok;
}

bool netns_route_add(const char *ns, const char *dst_cidr, const char *ifname, const char *via,
		     char *err, size_t errlen)
{
	struct nl_sock *sk;
	if (!netns_nl_open(ns, &sk, err, errlen))
		return false;
	bool ok = netns_nl_route(sk, ns ? ns : "(ours)", ifname, dst_cidr, via, err, errlen);
	nl_socket_free(sk);
	return ok;
}

/* Deleting one end of a veth deletes both; a missing link is fine. */
static bool netns_nl_del(struct nl_sock *sk, const char *ns, const char *ifname, char *err,
			 size_t errlen)
{
	struct rtnl_link *link = rtnl_link_alloc();
	if (!link) {
		snprintf(err, errlen, "namespace %s: delete %s: out of memory", ns, ifname);
		return false;
	}
	rtnl_link_set_name(link, ifname);
	int r = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND) {
		snprintf(err, errlen, "namespace %s: delete %s: %s", ns, ifname, nl_geterror(r));
		return false;
	}
	return true;
}

/* ---- NAT box ---- */

/* The box's ruleset; ports (NULL: the kernel's choice) is a masquerade
 * for TCP and UDP with a port range after a remap, replace drops the old
 * table in the same transaction. */
static bool netns_nat_rules(const struct netns_topo *t, const struct netns_nat_spec *n,
			    const char *ports, bool replace, char *err, size_t errlen)
{
	char out_if[16], rules[1200];
	const char *ns = t->ns[n->box];
	if (n->outer_if)
		snprintf(out_if, sizeof(out_if), "%s", n->outer_if);
	else
		netns_ifname(n->outer, out_if);
	int len = snprintf(rules, sizeof(rules),
		"%s"
		"table ip ikec_nat {\n"
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tiifname \"%s\" ip daddr %s udp dport { 500, 4500 } dnat to %s\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"%s%s%s%s%s"
		"\t\toifname \"%s\" ip saddr %s masquerade\n"
		"\t}\n"
		"}\n",
		replace ? "delete table ip ikec_nat\n" : "", out_if, n->public_ip, n->inner_host,
		/* a port range needs a transport protocol; the rest as before */
		ports ? "\t\toifname \"" : "", ports ? out_if : "",
		ports ? "\" meta l4proto { tcp, udp } ip saddr " : "", ports ? n->inner_net : "",
		ports ? ports : "", out_if, n->inner_net);
	if (len < 0 || (size_t)len >= sizeof(rules)) {
		snprintf(err, errlen, "namespace %s: NAT ruleset too long", ns);
		return false;
	}
	return netns_nft(ns, rules, err, errlen);
}

static bool netns_nat(const struct netns_topo *t, const struct netns_nat_spec *n, char *err,
		      size_t errlen)
{
	if (!netns_sysctl(t->ns[n->box], "net/ipv4/ip_forward", "1", err, errlen))
		return false;
	return netns_nat_rules(t, n, NULL, false, err, errlen);
}

bool netns_topo_remap(struct netns_topo *t, enum netns_role box, char *err, size_t errlen)
{
	const struct netns_nat_spec *n = NULL;
	if (t->in && t->in->remote)
		n = t->in->remote_nat.public_ip && box == t->in->remote_nat.box
			? &t->in->remote_nat : NULL;
	else if ((unsigned)t->kind < NETNS_TOPO_COUNT)
		for (n = netns_specs[t->kind].nat; n->public_ip && n->box != box; n++)
			;
	if (!n || !n->public_ip || !t->in || !netns_topo_ns(t, box)) {
		snprintf(err, errlen, "topology %s has no NAT box %s",
			 netns_topology_name(t->kind) ? netns_topology_name(t->kind) : "?",
			 (unsigned)box < NETNS_ROLE_COUNT ? netns_role_tags[box] : "?");
		return false;
	}
	/* Two disjoint ranges in turn, away from 500, 4500 and the ephemeral
	   ports the first mapping keeps: every remap lands outside the range
	   of the one before, so each flow surely gets a new port. random: no
	   attempt to keep the original port first. */
	static const char *const masq[2] = { " masquerade to :10000-14999 random\n",
					     " masquerade to :15000-19999 random\n" };
	unsigned k = t->in->remaps[box] % 2;
	if (!netns_nat_rules(t, n, masq[k], true, err, errlen))
		return false;
	/* existing flows keep their mapping until their entries go */
	if (!netns_conntrack_flush(t->ns[box], err, errlen))
		return false;
	t->in->remaps[box]++;
	return true;
}

/* ---- building ---- */

static unsigned netns_runid(unsigned counter)
{
	/* pid, time and a per-process counter, mixed (splitmix32-like) into
	 * 24 bits. */
	unsigned x = (unsigned)getpid() * 0x9e3779b1u ^ (unsigned)time(NULL) ^
		     counter * 0x85ebca6bu;
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x & 0xffffff;
}

static bool netns_topo_names(struct netns_topo *t, const struct netns_topo_spec *spec,
			     char *err, size_t errlen)
{
	static unsigned counter;
	for (int attempt = 0; attempt < 16; attempt++) {
		snprintf(t->runid, sizeof(t->runid), "%06x", netns_runid(++counter));
		bool clash = false;
		for (int r = 0; r < NETNS_ROLE_COUNT; r++) {
			t->ns[r][0] = '\0';
			if (!spec->has[r])
				continue;
			snprintf(t->ns[r], NETNS_NAME_MAX, "%s-%s-%s", t->prefix, t->runid,
				 netns_role_tags[r]);
			char path[NETNS_NAME_MAX + sizeof(NETNS_RUN_DIR)];
			if (!netns_path(t->ns[r], path, sizeof(path), err, errlen))
				return false;
			clash = clash || access(path, F_OK) == 0;
		}
		if (!clash)
			return true;
	}
	snprintf(err, errlen, "no free namespace names with prefix %s", t->prefix);
	return false;
}

static bool netns_topo_addr(const char *s, struct netaddr *a, char *err, size_t errlen)
{
	return netaddr_parse(s, 500, a, err, errlen);
}

/* The spec's namespaces, each with a netlink socket bound to it and lo
 * up; each marked ours to remove as soon as it exists. */
static bool netns_topo_make_ns(struct netns_topo *t, const struct netns_topo_spec *spec,
			       char *err, size_t errlen)
{
	for (int r = 0; r < NETNS_ROLE_COUNT; r++) {
		if (!spec->has[r])
			continue;
		if (!netns_create(t->ns[r], err, errlen))
			return false;
		t->in->created[r] = true;
		if (!netns_nl_open(t->ns[r], &t->in->sk[r], err, errlen) ||
		    !netns_nl_up(t->in->sk[r], t->ns[r], "lo", err, errlen))
			return false;
	}
	return true;
}

static bool netns_topo_build(struct netns_topo *t, const struct netns_topo_spec *spec,
			     char *err, size_t errlen)
{
	struct nl_sock **sk = t->in->sk;
	char ifa[16], ifb[16];

	if (!netns_topo_make_ns(t, spec, err, errlen))
		return false;
	for (const struct netns_link_spec *l = spec->links; l->a_cidr; l++) {
		netns_ifname(l->b, ifa);
		netns_ifname(l->a, ifb);
		if (!netns_nl_veth(sk[l->a], t->ns[l->a], ifa, t->ns[l->b], ifb, err, errlen) ||
		    !netns_nl_addr(sk[l->a], t->ns[l->a], ifa, l->a_cidr, err, errlen) ||
		    !netns_nl_addr(sk[l->b], t->ns[l->b], ifb, l->b_cidr, err, errlen) ||
		    !netns_nl_up(sk[l->a], t->ns[l->a], ifa, err, errlen) ||
		    !netns_nl_up(sk[l->b], t->ns[l->b], ifb, err, errlen))
			return false;
	}
	if (!netns_nl_addr(sk[H], t->ns[H], "lo", NETNS_HARNESS_SUBNET "/32", err, errlen) ||
	    !netns_nl_addr(sk[P], t->ns[P], "lo", NETNS_PEER_SUBNET "/32", err, errlen))
		return false;
	for (const struct netns_route_spec *rt = spec->routes; rt->via; rt++) {
		/* The only link of an end namespace is its first. */
		enum netns_role next = rt->role == H ? spec->links[0].b : P;
		if (rt->role == P)
			for (const struct netns_link_spec *l = spec->links; l->a_cidr; l++)
				if (l->b == P)
					next = l->a;
		netns_ifname(next, ifa);
		if (!netns_nl_route(sk[rt->role], t->ns[rt->role], ifa, "0.0.0.0/0", rt->via, err,
					    errlen))
			return false;
	}
	for (const struct netns_nat_spec *n = spec->nat; n->public_ip; n++)
		if (!netns_nat(t, n, err, errlen))
			return false;
	return true;
}

bool netns_topo_describe(enum netns_topology kind, struct netns_topo *out, char *err,
			 size_t errlen)
{
	if ((unsigned)kind >= NETNS_TOPO_COUNT) {
		snprintf(err, errlen, "unknown topology %d", (int)kind);
		return false;
	}
	const struct netns_topo_spec *spec = &netns_specs[kind];
	char e[160];
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->harness_nat = spec->has[NH];
	out->peer_nat = spec->has[NP];
	if (!netns_topo_addr(spec->harness_ike, &out->harness_ike, e, sizeof(e)) ||
	    !netns_topo_addr(spec->harness_public, &out->harness_public, e, sizeof(e)) ||
	    !netns_topo_addr(spec->peer_ike, &out->peer_ike, e, sizeof(e)) ||
	    !netns_topo_addr(spec->peer_public, &out->peer_public, e, sizeof(e)) ||
	    !netns_topo_addr(NETNS_HARNESS_SUBNET, &out->harness_subnet, e, sizeof(e)) ||
	    !netns_topo_addr(NETNS_PEER_SUBNET, &out->peer_subnet, e, sizeof(e))) {
		snprintf(err, errlen, "topology %s: %s", spec->name, e);
		return false;
	}
	return true;
}

struct netns_topo *netns_topo_new(enum netns_topology kind, const char *prefix, char *err,
				  size_t errlen)
{
	if (!prefix)
		prefix = NETNS_PREFIX_DEFAULT;
	if (!netns_prefix_valid(prefix, err, errlen))
		return NULL;
	struct netns_topo *t = calloc(1, sizeof(*t));
	struct netns_topo_internal *in = calloc(1, sizeof(*in));
	if (!t || !in) {
		free(t);
		free(in);
		snprintf(err, errlen, "topology: out of memory");
		return NULL;
	}
	if (!netns_topo_describe(kind, t, err, errlen)) {
		free(t);
		free(in);
		return NULL;
	}
	t->in = in;
	snprintf(t->prefix, sizeof(t->prefix), "%s", prefix);
	const struct netns_topo_spec *spec = &netns_specs[kind];
	if (!netns_topo_names(t, spec, err, errlen)) {
		free(t->in);
		free(t);
		return NULL;
	}
	char e[256];
	if (!netns_topo_build(t, spec, e, sizeof(e))) {
		snprintf(err, errlen, "topology %s: %s", spec->name, e);
		netns_topo_free(t);
		return NULL;
	}
	return t;
}

bool netns_topo_teardown(struct netns_topo *t, char *err, size_t errlen)
{
	bool ok = true;
	if (!t->in)
		return true; /* described, never built */
	char e[256], ifname[16];
	const struct netns_topo_spec *spec = &netns_specs[t->kind];
	/* The veths first, while the sockets still hold the namespaces:
	 * deleting them is synchronous, a dying namespace is not. */
	for (const struct netns_link_spec *l = spec->links; l->a_cidr && !t->in->remote; l++) {
		if (!t->in->sk[l->a])
			continue;
		netns_ifname(l->b, ifname);
		if (!netns_nl_del(t->in->sk[l->a], t->ns[l->a], ifname, e, sizeof(e)) && ok) {
			snprintf(err, errlen, "%s", e);
			ok = false;
		}
	}
	for (int r = 0; r < NETNS_ROLE_COUNT; r++) {
		if (t->in->sk[r]) {
			nl_socket_free(t->in->sk[r]);
			t->in->sk[r] = NULL;
		}
		if (!t->in->created[r])
			continue;
		if (netns_remove(t->ns[r], e, sizeof(e)))
			t->in->created[r] = false; /* a retry tries only what failed */
		else if (ok) {
			snprintf(err, errlen, "%s", e);
			ok = false;
		}
	}
	return ok;
}

/* ---- toward a device ---- */

static void netns_ip_text(const struct netaddr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->ip, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* A macvlan on parent (in our own namespace) made straight into ns. */
static bool netns_nl_macvlan(const char *parent, const char *ns, const char *ifname, char *err,
			     size_t errlen)
{
	struct nl_sock *sk;
	int fd, index;
	if (!netns_nl_open(NULL, &sk, err, errlen))
		return false;
	if (!netns_nl_ifindex(sk, "(the host's)", parent, &index, err, errlen) ||
	    !netns_open(ns, &fd, err, errlen)) {
		nl_socket_free(sk);
		return false;
	}
	struct rtnl_link *link = rtnl_link_macvlan_alloc();
	int r = -NLE_NOMEM;
	if (link) {
		rtnl_link_set_name(link, ifname);
		rtnl_link_set_link(link, index);
		/* bridge: several namespaces on one parent reach each other too */
		rtnl_link_macvlan_set_mode(link, (uint32_t)rtnl_link_macvlan_str2mode("bridge"));
		rtnl_link_set_ns_fd(link, fd);
		r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(link);
	}
	close(fd);
	nl_socket_free(sk);
	if (r < 0) {
		snprintf(err, errlen, "macvlan on %s into namespace %s: %s", parent, ns,
			 nl_geterror(r));
		return false;
	}
	return true;
}

/* The NAT box's inside network toward a device: the first TEST-NET that
 * holds none of the addresses the profile uses on the outside. */
static bool netns_remote_inside(const struct netns_remote *rm, char net[32], char host[32],
				char gw[32])
{
	static const char *const nets[] = { "203.0.113", "198.51.100", "192.0.2" };
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct in_addr base;
		char ip[32];
		snprintf(ip, sizeof(ip), "%s.0", nets[i]);
		if (inet_pton(AF_INET, ip, &base) != 1)
			return false;
		bool clash = false;
		const struct netaddr *outside[] = { &rm->local, &rm->device };
		for (size_t k = 0; k < 2; k++)
			clash = clash || (outside[k]->family == AF_INET &&
					  !memcmp(outside[k]->ip, &base, 3));
		struct in_addr g;
		clash = clash || (rm->gateway && inet_pton(AF_INET, rm->gateway, &g) == 1 &&
				  !memcmp(&g, &base, 3));
		if (clash)
			continue;
		snprintf(net, 32, "%s.0/24", nets[i]);
		snprintf(host, 32, "%s.2", nets[i]);
		snprintf(gw, 32, "%s.1", nets[i]);
		return true;
	}
	return false;
}

/* An empty topology toward the device: checked, allocated, its IKE
 * addresses the profile's own (the harness's moved inside by the NAT
 * step). */
static struct netns_topo *netns_remote_alloc(const char *prefix, const struct netns_remote *rm,
					     char *err, size_t errlen)
{
	if (!netns_prefix_valid(prefix, err, errlen))
		return NULL;
	if (rm->nat && rm->local.family != AF_INET) {
		snprintf(err, errlen, "toward the device on %s: a NAT box in front of the harness "
			 "is IPv4 only", rm->interface);
		return NULL;
	}
	struct netns_topo *t = calloc(1, sizeof(*t));
	struct netns_topo_internal *in = calloc(1, sizeof(*in));
	if (!t || !in) {
		free(t);
		free(in);
		snprintf(err, errlen, "topology: out of memory");
		return NULL;
	}
	t->kind = rm->nat ? NETNS_TOPO_NAT_HARNESS : NETNS_TOPO_DIRECT;
	t->in = in;
	in->remote = true;
	snprintf(t->prefix, sizeof(t->prefix), "%s", prefix);
	t->harness_ike = t->harness_public = rm->local;
	t->peer_ike = t->peer_public = rm->device;
	t->harness_ike.port = t->harness_public.port = t->peer_ike.port = t->peer_public.port = 500;
	return t;
}

/* With nat: the inside network (netns_remote_inside; gw_in the box's
 * end), the harness's IKE address on it, and the box's NAT rules, which
 * map the profile's local address to the harness. */
static bool netns_remote_plan_nat(struct netns_topo *t, const struct netns_remote *rm,
				  char gw_in[32], char *e, size_t elen)
{
	struct netns_topo_internal *in = t->in;
	char ahost[40];
	bool ok = netns_remote_inside(rm, in->remote_net, in->remote_host, gw_in);
	if (!ok)
		snprintf(e, elen, "no TEST-NET left for the NAT box's inside network");
	netns_ip_text(&rm->local, in->remote_public, sizeof(in->remote_public));
	snprintf(ahost, sizeof(ahost), "%s", in->remote_host);
	ok = ok && netns_topo_addr(ahost, &t->harness_ike, e, elen);
	t->harness_nat = true;
	in->remote_nat = (struct netns_nat_spec){
		.box = NH, .inner = H, .outer = NH, .public_ip = in->remote_public,
		.inner_net = in->remote_net, .inner_host = in->remote_host,
		.outer_if = NETNS_REMOTE_IF,
	};
	return ok;
}

/* The edge namespace's way out, a macvlan on the host's interface:
 *
 *   [ edge ns ]
 *    eth-dev local/len (macvlan) --- interface (parent, on the host)
 */
static bool netns_remote_edge(struct netns_topo *t, const struct netns_remote *rm,
			      enum netns_role edge, char *e, size_t elen)
{
	struct netns_topo_internal *in = t->in;
	char ip[64], cidr[80];
	if (!netns_nl_macvlan(rm->interface, t->ns[edge], NETNS_REMOTE_IF, e, elen))
		return false;
	netns_ip_text(&rm->local, ip, sizeof(ip));
	snprintf(cidr, sizeof(cidr), "%s/%u", ip, rm->prefix_len);
	return netns_nl_addr(in->sk[edge], t->ns[edge], NETNS_REMOTE_IF, cidr, e, elen) &&
	       netns_nl_up(in->sk[edge], t->ns[edge], NETNS_REMOTE_IF, e, elen);
}

/* harness -- NAT box: a veth on the inside network; everything of the
 * harness's leaves through the box:
 *
 *   [ h ns ]                        [ nh ns ]
 *    eth-nh remote_host/24 -------- eth-h gw_in/24
 *    default via gw_in               NAT rules (netns_remote_plan_nat)
 */
static bool netns_remote_nat_link(struct netns_topo *t, const char *gw_in, char *e, size_t elen)
{
	struct netns_topo_internal *in = t->in;
	char ifh[16], ifn[16], hcidr[40], ncidr[40];
	netns_ifname(NH, ifh);
	netns_ifname(H, ifn);
	snprintf(hcidr, sizeof(hcidr), "%s/24", in->remote_host);
	snprintf(ncidr, sizeof(ncidr), "%s/24", gw_in);
	return netns_nl_veth(in->sk[H], t->ns[H], ifh, t->ns[NH], ifn, e, elen) &&
	       netns_nl_addr(in->sk[H], t->ns[H], ifh, hcidr, e, elen) &&
	       netns_nl_addr(in->sk[NH], t->ns[NH], ifn, ncidr, e, elen) &&
	       netns_nl_up(in->sk[H], t->ns[H], ifh, e, elen) &&
	       netns_nl_up(in->sk[NH], t->ns[NH], ifn, e, elen) &&
	       netns_nl_route(in->sk[H], t->ns[H], ifh, "0.0.0.0/0", gw_in, e, elen) &&
	       netns_nat(t, &in->remote_nat, e, elen);
}

/* The harness's own host inside its selector (for the tunnel's traffic)
 * and, for a device off the link, the route to it through the gateway. */
static bool netns_remote_routes(struct netns_topo *t, const struct netns_remote *rm,
				enum netns_role edge, char *e, size_t elen)
{
	struct netns_topo_internal *in = t->in;
	char ip[64], cidr[80];
	if (rm->harness_host) {
		snprintf(cidr, sizeof(cidr), "%s/32", rm->harness_host);
		if (!netns_nl_addr(in->sk[H], t->ns[H], "lo", cidr, e, elen))
			return false;
	}
	if (!rm->gateway)
		return true;
	netns_ip_text(&rm->device, ip, sizeof(ip));
	snprintf(cidr, sizeof(cidr), "%s/%u", ip, rm->device.family == AF_INET ? 32 : 128);
	return netns_nl_route(in->sk[edge], t->ns[edge], NETNS_REMOTE_IF, cidr, rm->gateway, e,
			      elen);
}

struct netns_topo *netns_topo_remote(const char *prefix, const struct netns_remote *rm, char *err,
				     size_t errlen)
{
	struct netns_topo *t = netns_remote_alloc(prefix ? prefix : NETNS_PREFIX_DEFAULT, rm, err,
						  errlen);
	if (!t)
		return NULL;
	struct netns_topo_spec spec = { .name = "remote" };
	spec.has[H] = true;
	spec.has[NH] = rm->nat;
	/* the namespace that holds the macvlan: the NAT box, or the harness */
	enum netns_role edge = rm->nat ? NH : H;
	char e[256], gw_in[32] = "";
	bool ok = !rm->nat || netns_remote_plan_nat(t, rm, gw_in, e, sizeof(e));
	ok = ok && netns_topo_names(t, &spec, e, sizeof(e)) &&
	     netns_topo_make_ns(t, &spec, e, sizeof(e)) &&
	     netns_remote_edge(t, rm, edge, e, sizeof(e)) &&
	     (!rm->nat || netns_remote_nat_link(t, gw_in, e, sizeof(e))) &&
	     netns_remote_routes(t, rm, edge, e, sizeof(e));
	if (!ok) {
		snprintf(err, errlen, "toward the device on %s: %s", rm->interface, e);
		netns_topo_free(t);
		return NULL;
	}
	return t;
}

void netns_topo_free(struct netns_topo *t)
{
	if (!t)
		return;
	char err[256];
	if (!netns_topo_teardown(t, err, sizeof(err)))
		log_warn("netns: teardown of topology %s (%s): %s",
			 t->in && t->in->remote ? "remote" : netns_specs[t->kind].name, t->runid, err);
	free(t->in);
	free(t);
}
