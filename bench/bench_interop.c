/* bench_interop: one Main Mode + Quick Mode case, harness to strongSwan,
 * next to strongSwan to strongSwan for the same proposal, interleaved in
 * one run so that both see the same machine. Each side of the comparison
 * gets its own `direct` topology (two charons need both namespaces).
 * Times run from the first datagram (harness) or `swanctl --initiate`
 * (strongSwan) until the responding strongSwan's view shows the IKE SA and
 * its child SA, polled the same way in both. Needs root. See
 * bench/README.md.
 *
 *   bench_interop [-n RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netns/netns.h"
#include "case/case.h"
#include "peers/strongswan/strongswan.h"

#define BENCH_POLL_US 2000

static uint64_t bi_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char bi_tmp[] = "/tmp/ikec-bench-XXXXXX";

/* At exit (also after bi_die): the run's directory goes; the namespaces
 * and the charons inside them go by netns's own atexit. */
static void bi_rm_tmp(void)
{
	char cmd[200];
	if (strcmp(bi_tmp + 16, "XXXXXX") == 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bi_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_interop: could not remove %s\n", bi_tmp);
}

static void bi_die(const char *what, const char *why)
{
	fprintf(stderr, "bench_interop: %s: %s\n", what, why);
	exit(1);
}

static int bi_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct netaddr bi_addr(const struct netaddr *a)
{
	struct netaddr x = *a;
	x.port = 0;
	return x;
}

/* The strongSwan-to-strongSwan case for one side of topology t. */
static void bi_ss_case(struct peer_case *c, const struct netns_topo *t, bool initiator,
		       const char *dir)
{
	char err[200];
	memset(c, 0, sizeof(*c));
	c->name = "bench";
	c->initiator = initiator;
	c->exchange = WIRE_X_MAIN;
	c->auth = IKE_AUTH_PSK;
	c->psk = "ike-conform bench psk";
	if (!ike_p1_parse("aes128-sha256-modp2048", &c->p1[0], err, sizeof(err)) ||
	    !ike_p2_parse("aes128-sha256", &c->p2[0], err, sizeof(err)))
		bi_die("proposal", err);
	c->p1[0].auth = IKE_AUTH_PSK;
	/* stated lifetimes: left out, the two sides install different ones
	   (RFC 2407's 8 h default against strongSwan's own) */
	c->p1[0].life_sec = 3600;
	c->p2[0].life_sec = 1200;
	c->np1 = c->np2 = 1;
	c->local = bi_addr(initiator ? &t->harness_ike : &t->peer_ike);
	c->remote = bi_addr(initiator ? &t->peer_public : &t->harness_public);
	const char *l = initiator ? "10.1.0.1/32" : "10.2.0.1/32";
	const char *r = initiator ? "10.2.0.1/32" : "10.1.0.1/32";
	if (!ike_ts_parse(l, &c->ts_local, err, sizeof(err)) ||
	    !ike_ts_parse(r, &c->ts_remote, err, sizeof(err)))
		bi_die("traffic selector", err);
	c->force_encap = !strongswan_kernel_esp();
	c->artifacts = dir;
}

static bool bi_up(struct peer *p, const struct peer_case *c)
{
	struct peer_sa_view v;
	char err[256];
	if (!p->ops->view(p, c, &v, err, sizeof(err)))
		bi_die("view", err);
	return v.present && v.child.present;
}

/* Everything one run of the bench holds. */
struct bi_run {
	char dirs[3][700];
	struct netns_topo *ta, *tb;  /* a: harness -> strongSwan; b: strongSwan -> strongSwan */
	struct peer *pa, *pb0, *pb1;
	struct peer_case cb0, cb1;
	struct case_net net;
	struct case_spec sp;
};

/* -n RUNS; 0 on a usage error (said). */
static unsigned bi_args(int argc, char **argv)
{
	unsigned runs = 11;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			runs = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_interop [-n RUNS]\n");
			return 0;
		}
	}
	if (runs < 1 || runs > 1000)
		bi_die("-n", "from 1 to 1000 runs");
	return runs;
}

/* Two direct topologies, three charons, both strongSwan cases loaded. */
static void bi_setup(struct bi_run *b)
{
	char err[600], *tmp = bi_tmp;
	if (!netns_install_signal_cleanup(err, sizeof(err)))
		bi_die("signals", err);
	if (!mkdtemp(tmp))
		bi_die("mkdtemp", strerror(errno));
	atexit(bi_rm_tmp);
	if (!(b->ta = netns_topo_new(NETNS_TOPO_DIRECT, "ikecb", err, sizeof(err))) ||
	    !(b->tb = netns_topo_new(NETNS_TOPO_DIRECT, "ikecb", err, sizeof(err))))
		bi_die("topology", err);
	for (int i = 0; i < 3; i++) {
		snprintf(b->dirs[i], sizeof(b->dirs[i]), "%s/%c", tmp, 'a' + i);
		mkdir(b->dirs[i], 0700);
	}
	b->pa = strongswan_new(netns_topo_ns(b->ta, NETNS_ROLE_PEER), b->dirs[0], err, sizeof(err));
	b->pb0 = b->pa ? strongswan_new(netns_topo_ns(b->tb, NETNS_ROLE_HARNESS), b->dirs[1], err,
					sizeof(err)) : NULL;
	b->pb1 = b->pb0 ? strongswan_new(netns_topo_ns(b->tb, NETNS_ROLE_PEER), b->dirs[2], err,
					 sizeof(err)) : NULL;
	if (!b->pb1)
		bi_die("strongSwan", err);
	bi_ss_case(&b->cb0, b->tb, true, b->dirs[1]);
	bi_ss_case(&b->cb1, b->tb, false, b->dirs[2]);
	if (!b->pb0->ops->configure(b->pb0, &b->cb0, err, sizeof(err)) ||
	    !b->pb1->ops->configure(b->pb1, &b->cb1, err, sizeof(err)))
		bi_die("configure", err);
	const struct netns_topo *ta = b->ta;
	b->net = (struct case_net){
		.harness_ns = netns_topo_ns(ta, NETNS_ROLE_HARNESS), .harness = ta->harness_ike,
		.harness_public = ta->harness_public, .peer = ta->peer_ike,
		.peer_public = ta->peer_public, .harness_ts = "10.1.0.1/32", .peer_ts = "10.2.0.1/32",
		.peer_ns = netns_topo_ns(ta, NETNS_ROLE_PEER), .harness_if = "eth-p", .peer_if = "eth-h",
	};
	b->sp = (struct case_spec){
		.name = "bench", .harness_initiates = true, .exchange = WIRE_X_MAIN,
		.auth = IKE_AUTH_PSK, .p1 = "aes128-sha256-modp2048", .p2 = "aes128-sha256",
		.force_encap = !strongswan_kernel_esp(), .ike_life = 3600, .child_life = 1200,
	};
}

/* strongSwan to strongSwan until both hold the child (or 10 s). */
static void bi_ss_up(struct bi_run *b, bool both)
{
	uint64_t limit = bi_now() + 10000;
	while (!bi_up(b->pb1, &b->cb1) || (both && !bi_up(b->pb0, &b->cb0))) {
		if (bi_now() > limit)
			bi_die("strongSwan to strongSwan", "not established in 10 s");
		usleep(BENCH_POLL_US);
	}
}

/* One interleaved pair: the harness case, then strongSwan to strongSwan;
 * their times into *th and *ts. */
static void bi_pair(struct bi_run *b, uint64_t *th, uint64_t *ts)
{
	char err[600];
	struct case_result r;
	if (!case_run(b->pa, &b->net, &b->sp, &r, err, sizeof(err)))
		bi_die("harness to strongSwan", err);
	if (!r.established || !r.agree)
		bi_die("harness to strongSwan", r.why);
	if (!strongswan_terminate(b->pa, "bench", err, sizeof(err)))
		bi_die("terminate", err);
	uint64_t t0 = bi_now();
	if (!b->pb0->ops->initiate(b->pb0, &b->cb0, err, sizeof(err)))
		bi_die("initiate", err);
	/* the responder has its child once qm3 arrived, which the initiator
	   sends after installing its own: the same end point as the harness
	   case, one view polled in both */
	bi_ss_up(b, false);
	*ts = bi_now() - t0;
	*th = r.ms;
	if (!bi_up(b->pb0, &b->cb0))
		bi_die("strongSwan to strongSwan", "the initiator has no child SA");
	if (!strongswan_terminate(b->pb0, "bench", err, sizeof(err)) ||
	    !strongswan_terminate(b->pb1, "bench", err, sizeof(err)))
		bi_die("terminate", err);
	/* let the deletes settle before the next pair */
	uint64_t limit = bi_now() + 3000;
	while ((bi_up(b->pb0, &b->cb0) || bi_up(b->pb1, &b->cb1)) && bi_now() < limit)
		usleep(BENCH_POLL_US);
}

/* The handshakes: one untimed pair first, then runs timed ones; medians. */
static void bi_handshakes(struct bi_run *b, unsigned runs)
{
	uint64_t *th = calloc(runs, sizeof(*th)), *ts = calloc(runs, sizeof(*ts)), h0, s0;
	if (!th || !ts)
		bi_die("memory", "out of memory");
	bi_pair(b, &h0, &s0);
	for (unsigned i = 0; i < runs; i++)
		bi_pair(b, &th[i], &ts[i]);
	qsort(th, runs, sizeof(*th), bi_cmp);
	qsort(ts, runs, sizeof(*ts), bi_cmp);
	uint64_t mh = th[runs / 2], ms = ts[runs / 2];
	printf("bench_interop: Main Mode + Quick Mode, PSK, aes128-sha256-modp2048, esp aes128-sha256, "
	       "%s, %u runs each, interleaved\n",
	       strongswan_kernel_esp() ? "kernel-netlink" : "kernel-libipsec (UDP-encapsulated)", runs);
	printf("  %-32s median %4llu ms  (min %llu, max %llu)\n", "harness -> strongSwan",
	       (unsigned long long)mh, (unsigned long long)th[0], (unsigned long long)th[runs - 1]);
	printf("  %-32s median %4llu ms  (min %llu, max %llu)\n", "strongSwan -> strongSwan",
	       (unsigned long long)ms, (unsigned long long)ts[0], (unsigned long long)ts[runs - 1]);
	printf("  ratio harness/strongSwan: %.2f\n", ms ? (double)mh / (double)ms : 0.0);
	free(th);
	free(ts);
}

/* The data plane: our userspace ESP against strongSwan's kernel-libipsec,
 * and kernel-libipsec against itself, measured the same way. */
static void bi_dataplane(struct bi_run *b)
{
	char err[600];
	struct case_result *r = calloc(1, sizeof(*r));
	if (!r)
		bi_die("memory", "out of memory");
	b->sp.traffic = true;
	b->sp.measure_ms = 2000;
	if (!case_run(b->pa, &b->net, &b->sp, r, err, sizeof(err)))
		bi_die("harness to strongSwan with traffic", err);
	if (!r->traffic.ok || !r->traffic.m.ran)
		bi_die("harness to strongSwan with traffic", r->traffic.ok ? "no measurement"
			   : r->traffic.why);
	struct case_measure mu = r->traffic.m, mk;
	free(r);
	if (!b->pb0->ops->initiate(b->pb0, &b->cb0, err, sizeof(err)))
		bi_die("initiate", err);
	bi_ss_up(b, true);
	char log[800];
	snprintf(log, sizeof(log), "%s/measure-ping.log", b->dirs[1]);
	if (!case_measure(netns_topo_ns(b->tb, NETNS_ROLE_HARNESS), "10.1.0.1", "10.2.0.1", 2000,
			  NULL, NULL, b->pb1, &b->cb1, log, &mk, err, sizeof(err)))
		bi_die("strongSwan to strongSwan measurement", err);
	printf("\nbench_interop: ESP data plane, tunnel 10.1.0.1 -> 10.2.0.1, aes128-sha256 in UDP, "
	       "%d-byte UDP datagrams for 2 s, counted by the receiving strongSwan\n",
	       CASE_FLOOD_SIZE);
	printf("  %-40s %8s %10s %10s %9s\n", "sender -> receiver", "rtt ms", "datagrams",
	       "ESP in", "Mbit/s");
	printf("  %-40s %8.3f %10llu %10llu %9.1f\n", "harness userspace ESP -> strongSwan",
	       mu.rtt_ms, (unsigned long long)mu.sent, (unsigned long long)mu.delivered, mu.mbps);
	printf("  %-40s %8.3f %10llu %10llu %9.1f\n", "strongSwan libipsec -> strongSwan", mk.rtt_ms,
	       (unsigned long long)mk.sent, (unsigned long long)mk.delivered, mk.mbps);
	printf("  ratio harness/strongSwan: round trip %.2f, throughput %.2f\n",
	       mk.rtt_ms > 0 ? mu.rtt_ms / mk.rtt_ms : 0.0, mk.mbps > 0 ? mu.mbps / mk.mbps : 0.0);
}

int main(int argc, char **argv)
{
	unsigned runs = bi_args(argc, argv);
	if (!runs)
		return 2;
	if (geteuid() != 0 || !strongswan_available()) {
		printf("bench_interop: skipped: %s\n", geteuid() ? "needs root (network namespaces)"
		       : "strongSwan is not installed (make deps)");
		return 0;
	}
	struct bi_run b;
	memset(&b, 0, sizeof(b));
	bi_setup(&b);
	bi_handshakes(&b, runs);
	bi_dataplane(&b);
	char err[600];
	b.pa->ops->stop(b.pa);
	b.pb0->ops->stop(b.pb0);
	b.pb1->ops->stop(b.pb1);
	if (!netns_topo_teardown(b.ta, err, sizeof(err)) ||
	    !netns_topo_teardown(b.tb, err, sizeof(err)))
		fprintf(stderr, "bench_interop: teardown: %s\n", err);
	netns_topo_free(b.ta);
	netns_topo_free(b.tb);
	return 0;
}
