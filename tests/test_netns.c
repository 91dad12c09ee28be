/* netns: names, addresses, the four topologies with real UDP through
 * them, exec inside a namespace, and crash cleanup. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "netns/netns.h"
#include "report/live.h"
#include "tests.h"

/* Root, and a kernel that lets us make a network namespace (asked in a
 * child so this process never changes namespace). NULL when we can. */
static const char *netns_test_cannot(void)
{
	static int state; /* 0 unknown, 1 yes, 2 no root, 3 no unshare */
	if (!state) {
		if (geteuid() != 0) {
			state = 2;
		} else {
			pid_t pid = fork();
			int ws = 0;
			if (pid == 0)
				_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
			state = pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) &&
					WEXITSTATUS(ws) == 0 ? 1 : 3;
		}
	}
	return state == 1 ? NULL
	       : state == 2 ? "needs root (CAP_SYS_ADMIN) for network namespaces"
			    : "unshare(CLONE_NEWNET) is not permitted here";
}

#define NETNS_TEST_NEEDS_ROOT(name)                                                          \
	do {                                                                                 \
		const char *why_ = netns_test_cannot();                                      \
		if (why_) {                                                                  \
			test_skip(name, why_);                                               \
			return;                                                              \
		}                                                                            \
	} while (0)

/* Prefixes of our own, so cleanup_prefix can never touch another run:
 * "ikect" + a tag + the runner's pid, fixed in the runner before it forks
 * the tests. */
static const char netns_test_tags[] = "tekscx";
static unsigned netns_test_runner;

static const char *netns_test_prefix(char tag)
{
	static char buf[8][NETNS_PREFIX_MAX + 1];
	static unsigned next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "ikect%c%x", tag,
		 netns_test_runner ? netns_test_runner : (unsigned)getpid());
	return p;
}

static void netns_test_setup(void)
{
	netns_test_runner = (unsigned)getpid();
}

/* A failed check ends the test process with _exit, before its atexit
 * cleanup; the runner removes what such a test left. */
static void netns_test_teardown(void)
{
	if (geteuid() != 0)
		return;
	for (const char *t = netns_test_tags; *t; t++) {
		unsigned n = 0;
		char err[256];
		if (!netns_cleanup_prefix(netns_test_prefix(*t), NULL, NULL, &n, err, sizeof(err)))
			fprintf(stderr, "netns tests: cleanup: %s\n", err);
		else if (n)
			fprintf(stderr, "netns tests: removed %u namespaces a failed test left\n", n);
	}
}

static double netns_test_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* How many /run/netns/<prefix>-* exist. */
static unsigned netns_test_count(const char *prefix)
{
	unsigned n = 0;
	size_t plen = strlen(prefix);
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, plen) && e->d_name[plen] == '-')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* ---- names and addresses (no root needed) ---- */

START_TEST(test_netns_names)
{
	static const char *const names[] = { "direct", "nat-harness", "nat-peer", "nat-both" };
	char err[256];
	enum netns_topology t;
	for (int i = 0; i < NETNS_TOPO_COUNT; i++) {
		ck_assert_str_eq(netns_topology_name((enum netns_topology)i), names[i]);
		ck_assert_msg(netns_topology_parse(names[i], &t, err, sizeof(err)), "%s", err);
		ck_assert_int_eq(t, i);
	}
	ck_assert_ptr_null(netns_topology_name(NETNS_TOPO_COUNT));
	static const char *const bad[] = { "", "Direct", "nat", "nat-initiator", "nat-both " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(!netns_topology_parse(bad[i], &t, err, sizeof(err)));
		ck_assert_msg(strstr(err, "direct, nat-harness, nat-peer, nat-both"), "%s", err);
	}
	ck_assert(!netns_topology_parse(NULL, &t, err, sizeof(err)));
	static const char *const tags[] = { "h", "p", "nh", "np" };
	for (int r = 0; r < NETNS_ROLE_COUNT; r++)
		ck_assert_str_eq(netns_role_tag((enum netns_role)r), tags[r]);
	ck_assert_ptr_null(netns_role_tag(NETNS_ROLE_COUNT));

	static const struct { const char *prefix; bool ok; } prefixes[] = {
		{ "ikec", true }, { "a", true }, { "ike_c0", true },
		{ "abcdefghijabcdefghijabcdefghij12", true },   /* 32 */
		{ "abcdefghijabcdefghijabcdefghij123", false }, /* 33 */
		{ "", false }, { "ike-c", false }, { "../x", false }, { "a b", false },
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		ck_assert_msg(netns_prefix_valid(prefixes[i].prefix, err, sizeof(err)) ==
				      prefixes[i].ok, "prefix '%s'", prefixes[i].prefix);
	ck_assert(!netns_prefix_valid(NULL, err, sizeof(err)));
	/* Refused before anything is made. */
	ck_assert_ptr_null(netns_topo_new(NETNS_TOPO_DIRECT, "bad-prefix", err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad-prefix"), "%s", err);
	ck_assert_ptr_null(netns_topo_new(NETNS_TOPO_COUNT, "ikect", err, sizeof(err)));
	ck_assert_msg(strstr(err, "unknown topology"), "%s", err);
	netns_topo_free(NULL);
}
END_TEST

static bool netns_test_in(const struct netaddr *a, const char *net, unsigned bits)
{
	struct in_addr n;
	ck_assert(inet_pton(AF_INET, net, &n) == 1);
	uint32_t ip, nn = ntohl(n.s_addr), mask = bits ? ~0u << (32 - bits) : 0;
	memcpy(&ip, a->ip, 4);
	return a->family == AF_INET && (ntohl(ip) & mask) == (nn & mask);
}

/* Only TEST-NET and 10.x: nothing a topology does can leak onto a real network. */
static bool netns_test_allowed(const struct netaddr *a)
{
	return netns_test_in(a, "192.0.2.0", 24) || netns_test_in(a, "198.51.100.0", 24) ||
	       netns_test_in(a, "203.0.113.0", 24) || netns_test_in(a, "10.0.0.0", 8);
}

START_TEST(test_netns_addresses)
{
	static const struct { bool hnat, pnat; } want[NETNS_TOPO_COUNT] = {
		{ false, false }, { true, false }, { false, true }, { true, true },
	};
	for (int i = 0; i < NETNS_TOPO_COUNT; i++) {
		struct netns_topo t;
		char err[256], a[NETADDR_STRLEN];
		ck_assert_msg(netns_topo_describe((enum netns_topology)i, &t, err, sizeof(err)),
			      "%s", err);
		const struct netaddr *all[] = { &t.harness_ike, &t.peer_ike, &t.harness_public,
						&t.peer_public, &t.harness_subnet, &t.peer_subnet };
		for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
			ck_assert_msg(netns_test_allowed(all[k]), "%s: %s outside the test nets",
				      netns_topology_name(t.kind), netaddr_str(all[k], a, sizeof(a)));
		ck_assert(t.harness_nat == want[i].hnat && t.peer_nat == want[i].pnat);
		/* Behind a NAT the public address differs from the own one. */
		ck_assert(netaddr_same_host(&t.harness_ike, &t.harness_public) == !t.harness_nat);
		ck_assert(netaddr_same_host(&t.peer_ike, &t.peer_public) == !t.peer_nat);
		ck_assert(netns_test_in(&t.harness_subnet, "10.1.0.1", 32));
		ck_assert(netns_test_in(&t.peer_subnet, "10.2.0.1", 32));
		/* The public addresses meet on the one shared segment. */
		ck_assert(netns_test_in(&t.harness_public, "192.0.2.0", 24));
		ck_assert(netns_test_in(&t.peer_public, "192.0.2.0", 24));
		ck_assert_uint_eq(t.harness_ike.port, 500);
	}
	struct netns_topo t;
	char err[128];
	ck_assert(!netns_topo_describe(NETNS_TOPO_COUNT, &t, err, sizeof(err)));
}
END_TEST

/* ---- real topologies ---- */

/* A UDP socket bound inside a namespace. */
static int netns_test_udp(const char *ns, const struct netaddr *addr, uint16_t port)
{
	struct netns_saved saved;
	char err[256];
	ck_assert_msg(netns_enter(ns, &saved, err, sizeof(err)), "%s", err);
	struct netaddr a = *addr;
	a.port = port;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&a, &ss);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = fd >= 0 ? bind(fd, (struct sockaddr *)&ss, sl) : -1;
	int e = errno;
	ck_assert_msg(netns_leave(&saved, err, sizeof(err)), "%s", err);
	ck_assert_msg(r == 0, "bind in %s to %s:%u: %s", ns, netaddr_str(&a, err, sizeof(err)),
		      port, strerror(e));
	return fd;
}

static void netns_test_send(int fd, const struct netaddr *to, uint16_t port, const char *msg)
{
	struct netaddr a = *to;
	a.port = port;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&a, &ss);
	ck_assert_msg(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&ss, sl) ==
			      (ssize_t)strlen(msg), "sendto: %s", strerror(errno));
}

/* One datagram within a second; its source in *from. */
static void netns_test_recv(int fd, const char *what, const char *want, struct netaddr *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 1000) == 1, "%s: nothing arrived", what);
	char buf[256];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&ss, &sl);
	ck_assert_msg(n >= 0, "%s: recvfrom: %s", what, strerror(errno));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
	ck_assert(netaddr_from_sockaddr((struct sockaddr *)&ss, sl, from));
}

/* sender -> receiver at its public address and back; each sees the
 * other's public address as the source (so a NAT really rewrote it). */
static void netns_test_roundtrip(int s_fd, const struct netaddr *s_public, int r_fd,
				 const struct netaddr *r_public, uint16_t port, const char *what)
{
	struct netaddr from;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	netns_test_send(s_fd, r_public, port, what);
	netns_test_recv(r_fd, what, what, &from);
	ck_assert_msg(netaddr_same_host(&from, s_public), "%s: came from %s, not %s", what,
		      netaddr_str(&from, a, sizeof(a)), netaddr_str(s_public, b, sizeof(b)));
	netns_test_send(r_fd, &from, from.port, "reply");
	netns_test_recv(s_fd, what, "reply", &from);
	ck_assert_msg(netaddr_same_host(&from, r_public) && from.port == port,
		      "%s: reply from %s, not %s port %u", what, netaddr_str(&from, a, sizeof(a)),
		      netaddr_str(r_public, b, sizeof(b)), port);
}

static bool netns_test_listed(const char *name)
{
	FILE *f = popen("ip netns list 2>&1", "r");
	char line[256];
	bool found = false;
	ck_assert(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) &&
		    (line[strlen(name)] == ' ' || line[strlen(name)] == '\n'))
			found = true;
	pclose(f);
	return found;
}

/* Our veth names never appear in the root namespace. */
static void netns_test_root_clean(void)
{
	struct if_nameindex *ifs = if_nameindex();
	ck_assert(ifs);
	for (struct if_nameindex *i = ifs; i->if_index; i++)
		ck_assert_msg(strncmp(i->if_name, "eth-", 4), "%s in the root namespace",
			      i->if_name);
	if_freenameindex(ifs);
}

/* The topology's namespaces: the roles it has and no others, each named
 * prefix-runid-tag, mounted and listed. */
static void netns_test_expect_roles(const struct netns_topo *t, enum netns_topology kind,
				    const char *prefix)
{
	unsigned expect = 2 + t->harness_nat + t->peer_nat;
	ck_assert_uint_eq(netns_test_count(prefix), expect);
	for (int r = 0; r < NETNS_ROLE_COUNT; r++) {
		const char *ns = netns_topo_ns(t, (enum netns_role)r);
		bool want = r == NETNS_ROLE_HARNESS || r == NETNS_ROLE_PEER ||
			    (r == NETNS_ROLE_NAT_HARNESS && t->harness_nat) ||
			    (r == NETNS_ROLE_NAT_PEER && t->peer_nat);
		ck_assert_msg(!!ns == want, "%s: role %s", netns_topology_name(kind),
			      netns_role_tag((enum netns_role)r));
		if (!ns)
			continue;
		char name[NETNS_NAME_MAX];
		snprintf(name, sizeof(name), "%s-%s-%s", prefix, t->runid,
			 netns_role_tag((enum netns_role)r));
		ck_assert_str_eq(ns, name);
		ck_assert_msg(netns_exists(ns), "%s not mounted", ns);
		ck_assert_msg(netns_test_listed(ns), "%s not in ip netns list", ns);
	}
}

/* UDP both ways between harness and peer, through any NAT boxes. */
static void netns_test_traffic(const struct netns_topo *t)
{
	const char *hns = netns_topo_ns(t, NETNS_ROLE_HARNESS);
	const char *pns = netns_topo_ns(t, NETNS_ROLE_PEER);
	int h500 = netns_test_udp(hns, &t->harness_ike, 500);
	int p500 = netns_test_udp(pns, &t->peer_ike, 500);
	int h4500 = netns_test_udp(hns, &t->harness_ike, 4500);
	int p4500 = netns_test_udp(pns, &t->peer_ike, 4500);
	/* The harness starts on 500 (through the peer-side forward when the
	 * peer is behind NAT), the peer on 4500 (through the harness-side
	 * forward when the harness is). */
	netns_test_roundtrip(h500, &t->harness_public, p500, &t->peer_public, 500,
			     "harness to peer on 500");
	netns_test_roundtrip(p4500, &t->peer_public, h4500, &t->harness_public, 4500,
			     "peer to harness on 4500");
	close(h500);
	close(p500);
	close(h4500);
	close(p4500);
}

/* The NAT boxes hold conntrack entries, and a flush empties them. */
static void netns_test_conntrack(const struct netns_topo *t)
{
	char err[512];
	for (int r = NETNS_ROLE_NAT_HARNESS; r <= NETNS_ROLE_NAT_PEER; r++) {
		const char *box = netns_topo_ns(t, (enum netns_role)r);
		if (!box)
			continue;
		long n = netns_conntrack_count(box, err, sizeof(err));
		ck_assert_msg(n >= 2, "%s: %ld conntrack entries (%s)", box, n, n < 0 ? err : "");
		ck_assert_msg(netns_conntrack_flush(box, err, sizeof(err)), "%s", err);
		n = netns_conntrack_count(box, err, sizeof(err));
		ck_assert_msg(n == 0, "%s: %ld conntrack entries after a flush", box, n);
	}
}

START_TEST(test_netns_topology)
{
	enum netns_topology kind = (enum netns_topology)_i;
	char skipname[64];
	snprintf(skipname, sizeof(skipname), "netns topology %s", netns_topology_name(kind));
	NETNS_TEST_NEEDS_ROOT(skipname);
	const char *prefix = netns_test_prefix('t');
	char err[512];
	struct timespec t0, t1, t2, t3;

	netns_test_root_clean();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct netns_topo *t = netns_topo_new(kind, prefix, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(t, "%s", err);

	netns_test_expect_roles(t, kind, prefix);
	netns_test_root_clean();
	netns_test_traffic(t);
	netns_test_conntrack(t);

	char names[NETNS_ROLE_COUNT][NETNS_NAME_MAX];
	memcpy(names, t->ns, sizeof(names));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ck_assert_msg(netns_topo_teardown(t, err, sizeof(err)), "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t3);
	ck_assert_msg(netns_topo_teardown(t, err, sizeof(err)), "again: %s", err);
	netns_topo_free(t);
	ck_assert_uint_eq(netns_test_count(prefix), 0);
	for (int r = 0; r < NETNS_ROLE_COUNT; r++)
		if (names[r][0])
			ck_assert_msg(!netns_test_listed(names[r]), "%s still listed", names[r]);
	netns_test_root_clean();
	test_report("netns: %s built in %.1f ms, torn down in %.1f ms",
		    netns_topology_name(kind), netns_test_ms(&t0, &t1), netns_test_ms(&t2, &t3));
}
END_TEST

/* ---- a NAT that changes its mapping (netns_topo_remap) ---- */

/* From behind box to the far side on 4500: the source port the far side
 * sees. */
static uint16_t netns_test_mapped(int in_fd, int out_fd, const struct netaddr *far,
				  const struct netaddr *public_ip, const char *what)
{
	struct netaddr from;
	char a[NETADDR_STRLEN];
	netns_test_send(in_fd, far, 4500, what);
	netns_test_recv(out_fd, what, what, &from);
	ck_assert_msg(netaddr_same_host(&from, public_ip), "%s: from %s", what,
		      netaddr_str(&from, a, sizeof(a)));
	return from.port;
}

static const struct {
	enum netns_topology kind;
	enum netns_role box;
} remap_cases[] = {
	{ NETNS_TOPO_NAT_HARNESS, NETNS_ROLE_NAT_HARNESS },
	{ NETNS_TOPO_NAT_PEER, NETNS_ROLE_NAT_PEER },
	{ NETNS_TOPO_NAT_BOTH, NETNS_ROLE_NAT_PEER },
	{ NETNS_TOPO_NAT_BOTH, NETNS_ROLE_NAT_HARNESS },
};

/* Each remap gives the flow a new external port, from the two ranges in
 * turn, and empties the box's conntrack table; a box that is not there is
 * refused. */
START_TEST(test_netns_remap)
{
	NETNS_TEST_NEEDS_ROOT("netns remap");
	char err[512];
	struct netns_topo *t = netns_topo_new(remap_cases[_i].kind, netns_test_prefix('r'), err,
					      sizeof(err));
	ck_assert_msg(t, "%s", err);
	enum netns_role box = remap_cases[_i].box;
	bool hside = box == NETNS_ROLE_NAT_HARNESS;
	const char *bns = netns_topo_ns(t, box);
	int hfd = netns_test_udp(netns_topo_ns(t, NETNS_ROLE_HARNESS), &t->harness_ike, 4500);
	int pfd = netns_test_udp(netns_topo_ns(t, NETNS_ROLE_PEER), &t->peer_ike, 4500);
	int in_fd = hside ? hfd : pfd, out_fd = hside ? pfd : hfd;
	const struct netaddr *far = hside ? &t->peer_public : &t->harness_public;
	const struct netaddr *pub = hside ? &t->harness_public : &t->peer_public;
	uint16_t port[4];
	port[0] = netns_test_mapped(in_fd, out_fd, far, pub, "before");
	for (int k = 1; k < 4; k++) {
		long before = netns_conntrack_count(bns, err, sizeof(err));
		ck_assert_msg(before >= 1, "%s: %ld entries before the remap", bns, before);
		ck_assert_msg(netns_topo_remap(t, box, err, sizeof(err)), "%s", err);
		long after = netns_conntrack_count(bns, err, sizeof(err));
		ck_assert_msg(after == 0, "%s: %ld entries after the remap", bns, after);
		port[k] = netns_test_mapped(in_fd, out_fd, far, pub, "after");
		ck_assert_msg(port[k] != port[k - 1], "remap %d: port %u again", k, port[k]);
		uint16_t lo = k % 2 ? 10000 : 15000;
		ck_assert_msg(port[k] >= lo && port[k] < lo + 5000, "remap %d: port %u", k, port[k]);
	}
	/* the other side's box, where there is none */
	enum netns_role other = hside ? NETNS_ROLE_NAT_PEER : NETNS_ROLE_NAT_HARNESS;
	if (!netns_topo_ns(t, other)) {
		ck_assert(!netns_topo_remap(t, other, err, sizeof(err)));
		ck_assert_msg(strstr(err, "has no NAT box"), "%s", err);
	}
	close(hfd);
	close(pfd);
	test_report("netns: %s, box %s: external ports %u, %u, %u, %u",
		    netns_topology_name(t->kind), netns_role_tag(box), port[0], port[1], port[2],
		    port[3]);
	netns_topo_free(t);
}
END_TEST

/* ---- the live capture's keepalive record (report/live.h) ---- */

/* Keepalives both ways over a veth: counted, kept with their sources and
 * capture times; IKE on 4500 (behind the marker) is not one. */
START_TEST(test_netns_live_keepalives)
{
	NETNS_TEST_NEEDS_ROOT("live capture keepalives");
	char err[512];
	struct netns_topo *t = netns_topo_new(NETNS_TOPO_DIRECT, netns_test_prefix('k'), err,
					      sizeof(err));
	ck_assert_msg(t, "%s", err);
	struct live_capture *c = live_capture_start(netns_topo_ns(t, NETNS_ROLE_HARNESS), "eth-p",
						    NULL, false, err, sizeof(err));
	ck_assert_msg(c, "%s", err);
	int hfd = netns_test_udp(netns_topo_ns(t, NETNS_ROLE_HARNESS), &t->harness_ike, 4500);
	int pfd = netns_test_udp(netns_topo_ns(t, NETNS_ROLE_PEER), &t->peer_ike, 4500);
	struct netaddr from;
	for (int i = 0; i < 3; i++) {
		netns_test_send(hfd, &t->peer_ike, 4500, "\xff");
		netns_test_recv(pfd, "keepalive", "\xff", &from);
		usleep(60000);
	}
	for (int i = 0; i < 2; i++) {
		netns_test_send(pfd, &t->harness_ike, 4500, "\xff");
		netns_test_recv(hfd, "keepalive back", "\xff", &from);
	}
	/* an IKE message behind the non-ESP marker */
	struct netaddr to = t->peer_ike;
	to.port = 4500;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&to, &ss);
	static const uint8_t ike[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	ck_assert(sendto(hfd, ike, sizeof(ike), 0, (struct sockaddr *)&ss, sl) == sizeof(ike));
	usleep(50000);
	struct live_summary s;
	live_capture_stop(c, NULL, 0, &s);
	ck_assert_uint_eq(s.keepalive, 5);
	ck_assert_uint_eq(s.nka, 5);
	ck_assert_uint_eq(s.ike, 1);
	struct netaddr h = t->harness_ike, p = t->peer_ike;
	h.port = p.port = 4500;
	ck_assert_uint_eq(live_keepalives_from(&s, &h), 3);
	ck_assert_uint_eq(live_keepalives_from(&s, &p), 2);
	p.port = 0;
	ck_assert_uint_eq(live_keepalives_from(&s, &p), 2);
	p.port = 4501;
	ck_assert_uint_eq(live_keepalives_from(&s, &p), 0);
	ck_assert(netaddr_eq(&s.ka[0].dst, &(struct netaddr){ .family = AF_INET, .port = 4500,
							      .ip = { 192, 0, 2, 2 } }));
	for (size_t i = 1; i < s.nka; i++)
		ck_assert(s.ka[i].time_ms >= s.ka[i - 1].time_ms);
	/* the harness's three were 60 ms apart */
	ck_assert_msg(s.ka[2].time_ms - s.ka[0].time_ms >= 100, "%llu ms",
		      (unsigned long long)(s.ka[2].time_ms - s.ka[0].time_ms));
	ck_assert_uint_eq(s.keepalive_first_ms, s.ka[0].time_ms);
	ck_assert_uint_eq(s.keepalive_last_ms, s.ka[4].time_ms);
	close(hfd);
	close(pfd);
	netns_topo_free(t);
}
END_TEST

/* ---- exec, sysctl, enter and leave ---- */

static ino_t netns_test_self_ino(void)
{
	struct stat st;
	ck_assert(stat("/proc/thread-self/ns/net", &st) == 0);
	return st.st_ino;
}

/* netns_exec: stdin in, stdout and stderr out, the exit status; only
 * a down lo inside; big unread input; a missing program, a timeout, a
 * missing namespace. */
static void netns_test_exec_io(const char *name)
{
	char err[512], *out = NULL;
	int status;
	/* stdin in, stdout and stderr out, the exit status. */
	char *sh[] = { "sh", "-c", "cat; echo oops >&2; exit 3", NULL };
	ck_assert_msg(netns_exec(name, sh, "ruleset\n", 2000, &out, &status, err, sizeof(err)),
		      "%s", err);
	ck_assert_int_eq(status, 3);
	ck_assert_str_eq(out, "ruleset\noops\n");
	free(out);

	/* Inside: only lo, and it is down in a fresh namespace. */
	char *ip[] = { "ip", "-o", "link", "show", NULL };
	ck_assert_msg(netns_exec(name, ip, NULL, 2000, &out, &status, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strstr(out, "1: lo:") && !strstr(out, "2: "), "%s", out);
	free(out);

	/* A big input the program never reads: no SIGPIPE, no hang. */
	size_t big = 1u << 20;
	char *input = malloc(big + 1);
	ck_assert(input);
	memset(input, 'x', big);
	input[big] = '\0';
	char *tr[] = { "true", NULL };
	ck_assert_msg(netns_exec(name, tr, input, 2000, NULL, &status, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(status, 0);
	free(input);

	char *nope[] = { "/nonexistent/ike-conform-test", NULL };
	ck_assert(netns_exec(name, nope, NULL, 2000, &out, &status, err, sizeof(err)));
	ck_assert_int_eq(status, 127);
	ck_assert_msg(strstr(out, "exec /nonexistent/ike-conform-test"), "%s", out);
	free(out);

	char *sleep5[] = { "sleep", "5", NULL };
	ck_assert(!netns_exec(name, sleep5, NULL, 100, NULL, &status, err, sizeof(err)));
	ck_assert_msg(strstr(err, "killed after 100 ms") && strstr(err, name), "%s", err);
	ck_assert(!netns_exec("ikect-no-such-ns", tr, NULL, 100, NULL, &status, err, sizeof(err)));
	ck_assert_msg(strstr(err, "ikect-no-such-ns"), "%s", err);
}

/* A sysctl written inside stays inside. */
static void netns_test_sysctl(const char *name)
{
	char err[512], *out = NULL;
	int status;
	char *rd[] = { "cat", "/proc/sys/net/ipv4/ip_forward", NULL };
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	int root_before = f ? fgetc(f) : -1;
	if (f)
		fclose(f);
	ck_assert_msg(netns_sysctl(name, "net/ipv4/ip_forward", "1", err, sizeof(err)), "%s", err);
	ck_assert(netns_exec(name, rd, NULL, 2000, &out, &status, err, sizeof(err)));
	ck_assert_str_eq(out, "1\n");
	free(out);
	f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	ck_assert(f);
	ck_assert_int_eq(fgetc(f), root_before);
	fclose(f);
	ck_assert(!netns_sysctl(name, "../../etc/passwd", "1", err, sizeof(err)));
}

/* enter and leave switch this thread and back; bad rulesets are
 * reported with nft's words; iproute2 sees the namespace as its own. */
static void netns_test_switch(const char *name)
{
	char err[512];
	struct netns_saved saved;
	ino_t before = netns_test_self_ino();
	ck_assert_msg(netns_enter(name, &saved, err, sizeof(err)), "%s", err);
	ck_assert(netns_test_self_ino() != before);
	ck_assert_msg(netns_leave(&saved, err, sizeof(err)), "%s", err);
	ck_assert(netns_test_self_ino() == before);
	ck_assert(netns_leave(&saved, err, sizeof(err))); /* twice is harmless */
	ck_assert(!netns_enter("ikect-no-such-ns", &saved, err, sizeof(err)));
	ck_assert_msg(strstr(err, "ikect-no-such-ns"), "%s", err);

	/* Bad rulesets are reported with nft's words. */
	ck_assert(!netns_nft(name, "table ip t { chain c { bogus } }\n", err, sizeof(err)));
	ck_assert_msg(strstr(err, "nft") && strstr(err, name), "%s", err);

	/* iproute2 sees it as its own. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip netns exec %s ip -o link show lo >/dev/null 2>&1", name);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

/* spawn: output to a log, the exit status to us. */
static void netns_test_spawn(const char *name)
{
	char err[512];
	char *nope[] = { "/nonexistent/ike-conform-test", NULL };
	char logpath[] = "/tmp/ikect-spawn-XXXXXX";
	int lfd = mkstemp(logpath);
	ck_assert(lfd >= 0);
	close(lfd);
	pid_t pid;
	int ws;
	char *echo[] = { "sh", "-c", "echo spawned; exit 4", NULL };
	ck_assert_msg(netns_spawn(name, echo, logpath, &pid, err, sizeof(err)), "%s", err);
	ck_assert(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 4);
	char logbuf[64] = "";
	FILE *lf = fopen(logpath, "r");
	ck_assert(lf && fgets(logbuf, sizeof(logbuf), lf));
	fclose(lf);
	unlink(logpath);
	ck_assert_str_eq(logbuf, "spawned\n");
	ck_assert(!netns_spawn(name, nope, NULL, &pid, err, sizeof(err)));
	ck_assert_msg(strstr(err, "exec /nonexistent/ike-conform-test"), "%s", err);
}

/* Processes that ignore SIGTERM get SIGKILL after the grace time;
 * the sleep inherits the ignored SIGTERM. */
static void netns_test_term_ignored(const char *name)
{
	char err[512];
	pid_t pid;
	int ws;
	char *deaf[] = { "sh", "-c", "trap '' TERM; sleep 100 & wait", NULL };
	ck_assert_msg(netns_spawn(name, deaf, NULL, &pid, err, sizeof(err)), "%s", err);
	for (int i = 0; i < 500 && netns_count_procs(name, err, sizeof(err)) < 2; i++)
		usleep(2000); /* until sh has started its sleep */
	ck_assert_int_eq(netns_count_procs(name, err, sizeof(err)), 2);
	ck_assert_int_eq(netns_kill_procs(name, 50, err, sizeof(err)), 2);
	ck_assert(waitpid(pid, &ws, 0) == pid);
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "status %#x", ws);
}

START_TEST(test_netns_exec)
{
	NETNS_TEST_NEEDS_ROOT("netns exec");
	char err[512], name[NETNS_NAME_MAX];
	pid_t pid;
	int ws;
	snprintf(name, sizeof(name), "%s-x", netns_test_prefix('e'));
	ck_assert_msg(netns_create(name, err, sizeof(err)), "%s", err);
	ck_assert(!netns_create(name, err, sizeof(err)));
	ck_assert_msg(strstr(err, name), "%s", err);

	netns_test_exec_io(name);
	netns_test_sysctl(name);
	netns_test_switch(name);
	netns_test_spawn(name);
	netns_test_term_ignored(name);

	/* Removing a namespace ends what runs in it. */
	char *sleep100[] = { "sleep", "100", NULL };
	ck_assert_msg(netns_spawn(name, sleep100, NULL, &pid, err, sizeof(err)), "%s", err);
	ck_assert_msg(netns_remove(name, err, sizeof(err)), "%s", err);
	ck_assert(waitpid(pid, &ws, 0) == pid);
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM, "status %#x", ws);
	ck_assert(!netns_exists(name));
	ck_assert_msg(netns_remove(name, err, sizeof(err)), "again: %s", err);
	ck_assert_int_eq(netns_kill_procs(name, 10, err, sizeof(err)), 0);
	ck_assert_int_eq(netns_count_procs(name, err, sizeof(err)), 0);
}
END_TEST

/* ---- crash cleanup ---- */

/* A child builds a topology, starts `sleep 100` in the harness namespace,
 * says so, and waits to be killed. */
static pid_t netns_test_victim(enum netns_topology kind, const char *prefix, bool handlers,
			       pid_t *sleeper)
{
	int pfd[2];
	ck_assert(pipe(pfd) == 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		char err[512] = "";
		struct {
			pid_t sleeper;
			char err[256];
		} msg = { 0 };
		close(pfd[0]);
		struct netns_topo *t = NULL;
		if (handlers && !netns_install_signal_cleanup(err, sizeof(err)))
			t = NULL;
		else
			t = netns_topo_new(kind, prefix, err, sizeof(err));
		char *argv[] = { "sleep", "100", NULL };
		if (t)
			netns_spawn(netns_topo_ns(t, NETNS_ROLE_HARNESS), argv, NULL, &msg.sleeper,
				    err, sizeof(err));
		snprintf(msg.err, sizeof(msg.err), "%s", err);
		if (write(pfd[1], &msg, sizeof(msg)) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	struct {
		pid_t sleeper;
		char err[256];
	} msg = { 0 };
	ssize_t n = read(pfd[0], &msg, sizeof(msg));
	close(pfd[0]);
	ck_assert_msg(n == (ssize_t)sizeof(msg) && msg.sleeper > 0, "victim: %s", msg.err);
	*sleeper = msg.sleeper;
	return pid;
}

static void netns_test_collect(const char *name, void *ctx)
{
	(void)name;
	(*(unsigned *)ctx)++;
}

START_TEST(test_netns_sigkill_leftovers)
{
	NETNS_TEST_NEEDS_ROOT("netns leftovers after SIGKILL");
	const char *prefix = netns_test_prefix('k');
	pid_t sleeper;
	char err[512];
	int ws;
	/* Orphans come to us, so the sleeper's end can be seen. */
	ck_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	pid_t victim = netns_test_victim(NETNS_TOPO_NAT_PEER, prefix, false, &sleeper);
	ck_assert(kill(victim, SIGKILL) == 0);
	ck_assert(waitpid(victim, &ws, 0) == victim && WIFSIGNALED(ws));
	ck_assert_uint_eq(netns_test_count(prefix), 3);
	ck_assert_msg(kill(sleeper, 0) == 0, "the sleeper went with its parent");

	unsigned count = 0, seen = 0;
	ck_assert_msg(netns_cleanup_prefix(prefix, netns_test_collect, &seen, &count, err,
					   sizeof(err)), "%s", err);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(seen, 3);
	ck_assert_uint_eq(netns_test_count(prefix), 0);
	ck_assert(waitpid(sleeper, &ws, 0) == sleeper);
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM, "sleeper status %#x", ws);
	netns_test_root_clean();
	/* Nothing left: a second pass removes nothing. */
	ck_assert(netns_cleanup_prefix(prefix, NULL, NULL, &count, err, sizeof(err)));
	ck_assert_uint_eq(count, 0);
	ck_assert(!netns_cleanup_prefix("bad-prefix", NULL, NULL, &count, err, sizeof(err)));
}
END_TEST

/* Stopped, or crashed: the handlers remove the namespaces either way. */
static const int netns_test_sigs[] = { SIGTERM, SIGINT, SIGSEGV, SIGABRT };

START_TEST(test_netns_sigterm_cleans)
{
	NETNS_TEST_NEEDS_ROOT("netns cleanup on a signal");
	int sig = netns_test_sigs[_i];
	const char *prefix = netns_test_prefix((char)('s' + _i));
	pid_t sleeper;
	int ws;
	/* a fault's default action would dump core: not here */
	struct rlimit nocore = { 0, 0 };
	ck_assert(setrlimit(RLIMIT_CORE, &nocore) == 0);
	ck_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	pid_t victim = netns_test_victim(NETNS_TOPO_NAT_BOTH, prefix, true, &sleeper);
	ck_assert_uint_eq(netns_test_count(prefix), 4);
	ck_assert(kill(victim, sig) == 0);
	ck_assert(waitpid(victim, &ws, 0) == victim);
	/* It still dies of the signal: the handler re-raises it. */
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == sig, "%s: victim status %#x",
		      strsignal(sig), ws);
	ck_assert_uint_eq(netns_test_count(prefix), 0);
	ck_assert(waitpid(sleeper, &ws, 0) == sleeper);
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "sleeper status %#x", ws);
	netns_test_root_clean();
}
END_TEST

/* ---- ike-conform cleanup ---- */

START_TEST(test_netns_cleanup_command)
{
	NETNS_TEST_NEEDS_ROOT("ike-conform cleanup");
	const char *bin = getenv("IKEC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		test_skip("ike-conform cleanup", "no ike-conform binary (IKEC_BIN) in this build");
		return;
	}
	const char *prefix = netns_test_prefix('c');
	char err[512], cmd[1024], out[1024] = "", names[2][NETNS_NAME_MAX];
	for (int i = 0; i < 2; i++) {
		snprintf(names[i], sizeof(names[i]), "%s-%d", prefix, i);
		ck_assert_msg(netns_create(names[i], err, sizeof(err)), "%s", err);
	}
	snprintf(cmd, sizeof(cmd), "%s cleanup --prefix %s 2>&1", bin, prefix);
	FILE *f = popen(cmd, "r");
	ck_assert(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	int st = pclose(f);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, out);
	for (int i = 0; i < 2; i++) {
		char line[2 * NETNS_NAME_MAX + 16];
		snprintf(line, sizeof(line), "removed %s\n", names[i]);
		ck_assert_msg(strstr(out, line), "%s", out);
		ck_assert(!netns_exists(names[i]));
		ck_assert(netns_remove(names[i], err, sizeof(err))); /* forget them */
	}
	ck_assert_msg(strstr(out, "cleanup: 2 namespaces removed\n"), "%s", out);

	static const struct { const char *args; int status; } usage[] = {
		{ "cleanup --bogus", 2 }, { "cleanup --prefix", 2 }, { "cleanup --prefix a/b", 2 },
	};
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", bin, usage[i].args);
		st = system(cmd);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == usage[i].status, "%s: %#x",
			      usage[i].args, st);
	}
	/* Not root: exit 3, the environment's fault. */
	if (access("/usr/bin/setpriv", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups %s cleanup "
			 "--prefix %s >/dev/null 2>&1", bin, prefix);
		st = system(cmd);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 3, "as nobody: %#x", st);
	} else {
		test_skip("ike-conform cleanup as non-root", "no /usr/bin/setpriv");
	}
}
END_TEST

Suite *suite_netns(void)
{
	Suite *s = suite_create("netns");
	TCase *tc = tcase_create("netns");
	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, netns_test_setup, netns_test_teardown);
	tcase_add_test(tc, test_netns_names);
	tcase_add_test(tc, test_netns_addresses);
	tcase_add_loop_test(tc, test_netns_topology, 0, NETNS_TOPO_COUNT);
	tcase_add_test(tc, test_netns_exec);
	tcase_add_loop_test(tc, test_netns_remap, 0, sizeof(remap_cases) / sizeof(remap_cases[0]));
	tcase_add_test(tc, test_netns_live_keepalives);
	tcase_add_test(tc, test_netns_sigkill_leftovers);
	tcase_add_loop_test(tc, test_netns_sigterm_cleans, 0,
			    (int)(sizeof(netns_test_sigs) / sizeof(netns_test_sigs[0])));
	tcase_add_test(tc, test_netns_cleanup_command);
	suite_add_tcase(s, tc);
	return s;
}
