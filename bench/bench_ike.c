/* bench_ike: Main Mode + Quick Mode handshakes per second, engine against
 * engine in one process, next to the cost of the same handshake's DH work
 * alone (two key generations and two shared-secret computations), both
 * measured in the same run. See bench/README.md.
 *
 *   bench_ike [-t SECONDS] [-n ITERATIONS] [-g GROUP,GROUP...] [--no-udp]
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "crypto/dh.h"
#include "ike/engine.h"

static const char bench_psk[] = "ike-conform-bench-psk";

struct bench_opts {
	double seconds;          /* per measurement, when iterations is 0 */
	unsigned iterations;     /* fixed count instead of a fixed time */
	uint16_t groups[16];
	size_t ngroups;
	bool udp;                /* also a group-14 row over UDP on loopback */
};

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_die(const char *what, const char *why)
{
	fprintf(stderr, "bench_ike: %s: %s\n", what, why);
	exit(1);
}

/* Both engines' configs for one proposal: PSK Main Mode, aes128-sha1 ESP. */
static void bench_configs(uint16_t group, struct ike_config *ci, struct ike_config *cr)
{
	char p1[64], err[256];
	snprintf(p1, sizeof(p1), "aes128-sha1-%u", (unsigned)group);
	struct ike_p1_xform x;
	struct ike_p2_xform y;
	if (!ike_p1_parse(p1, &x, err, sizeof(err)) ||
	    !ike_p2_parse("aes128-sha1", &y, err, sizeof(err)))
		bench_die(p1, err);
	struct ike_config *cs[2] = { ci, cr };
	for (int k = 0; k < 2; k++) {
		ike_config_init(cs[k]);
		cs[k]->role = k ? IKE_RESPONDER : IKE_INITIATOR;
		cs[k]->psk = CHUNK_FROM(bench_psk, strlen(bench_psk));
		ike_config_add_p1(cs[k], x);
		ike_config_add_p2(cs[k], y);
	}
}

/* Both sides finished, established, the group agreed, one child SA with
 * crossed SPIs and keys: anything else ends the benchmark. */
static void bench_check(struct ike_engine *ei, struct ike_engine *er, uint16_t group)
{
	const struct ike_result *ri = ike_engine_result(ei), *rr = ike_engine_result(er);
	const char *bad = NULL;
	if (!ri->finished || ri->failed || !ri->established)
		bad = ri->error[0] ? ri->error : "initiator not established";
	else if (!rr->finished || rr->failed || !rr->established)
		bad = rr->error[0] ? rr->error : "responder not established";
	else if (ri->p1.group != group || rr->p1.group != group)
		bad = "another group was agreed";
	else if (ri->nchild != 1 || rr->nchild != 1)
		bad = "not one child SA on each side";
	else if (memcmp(ri->child[0].spi_in, rr->child[0].spi_out, 4) ||
		 !chunk_eq(ri->child[0].enc_out, rr->child[0].enc_in) ||
		 !chunk_eq(ri->child[0].int_in, rr->child[0].int_out))
		bad = "child SA keys not crossed";
	if (bad)
		bench_die("handshake", bad);
}

/* One handshake over the memory hub (virtual time, no sleeping). */
static void bench_handshake_mem(uint16_t group)
{
	char err[256];
	struct netaddr ai, ar;
	netaddr_parse("192.0.2.1:500", 500, &ai, err, sizeof(err));
	netaddr_parse("192.0.2.2:500", 500, &ar, err, sizeof(err));
	struct transport_hub *hub = transport_hub_new();
	struct transport *ti = transport_mem_new(hub, &ai, 4500, err, sizeof(err));
	struct transport *tr = transport_mem_new(hub, &ar, 4500, err, sizeof(err));
	if (!ti || !tr)
		bench_die("memory transport", err);
	struct ike_config ci, cr;
	bench_configs(group, &ci, &cr);
	struct ike_engine *e[2];
	e[0] = ike_engine_new(&ci, ti, &ar, NULL, 0, "init");
	e[1] = ike_engine_new(&cr, tr, NULL, NULL, 0, "resp");
	ike_run(e, 2, hub, 0, 60000);
	bench_check(e[0], e[1], group);
	ike_engine_free(e[0]);
	ike_engine_free(e[1]);
	transport_free(ti);
	transport_free(tr);
	transport_hub_free(hub);
}

static uint64_t bench_ms(double t0)
{
	return (uint64_t)((bench_now() - t0) * 1000.0);
}

/* One handshake over UDP on 127.0.0.1 (kernel-chosen ports). */
static void bench_handshake_udp(uint16_t group)
{
	char err[256];
	struct transport_udp_config uc = { .natt_port = 0 };
	netaddr_parse("127.0.0.1:0", 0, &uc.local, err, sizeof(err));
	struct transport *ti = transport_udp_new(&uc, err, sizeof(err));
	struct transport *tr = ti ? transport_udp_new(&uc, err, sizeof(err)) : NULL;
	if (!ti || !tr)
		bench_die("UDP transport", err);
	struct netaddr ar;
	transport_local(tr, TRANSPORT_PORT_IKE, &ar);
	struct ike_config ci, cr;
	bench_configs(group, &ci, &cr);
	struct ike_engine *ei = ike_engine_new(&ci, ti, &ar, NULL, 0, "init");
	struct ike_engine *er = ike_engine_new(&cr, tr, NULL, NULL, 0, "resp");
	double t0 = bench_now();
	while (!(ike_engine_done(ei) && ike_engine_done(er)) && bench_ms(t0) < 20000) {
		uint64_t now = bench_ms(t0);
		uint64_t d1 = ike_engine_tick(ei, now), d2 = ike_engine_tick(er, now);
		uint64_t d = d1 < d2 ? d1 : d2;
		int wait = d == IKE_NEVER ? 50 : d > now ? (int)(d - now) : 0;
		struct pollfd fds[2] = { { transport_fd(ti), POLLIN, 0 },
					 { transport_fd(tr), POLLIN, 0 } };
		poll(fds, 2, wait > 50 ? 50 : wait);
		ike_engine_poll(ei, bench_ms(t0));
		ike_engine_poll(er, bench_ms(t0));
	}
	bench_check(ei, er, group);
	ike_engine_free(ei);
	ike_engine_free(er);
	transport_free(ti);
	transport_free(tr);
}

/* The DH work of one handshake: both sides' keys, both shared secrets,
 * checked equal. */
static void bench_dh_only(uint16_t group)
{
	struct crypto_err ce;
	struct dh_key *x = dh_key_new(group, &ce);
	struct dh_key *y = x ? dh_key_new(group, &ce) : NULL;
	if (!x || !y)
		bench_die("dh_key_new", ce.msg);
	chunk_t s1 = CHUNK_EMPTY, s2 = CHUNK_EMPTY;
	if (!dh_key_shared(x, dh_key_public(y), &s1, &ce) ||
	    !dh_key_shared(y, dh_key_public(x), &s2, &ce))
		bench_die("dh_key_shared", ce.msg);
	if (!chunk_eq(s1, s2))
		bench_die("dh", "the two shared secrets differ");
	chunk_clear(&s1);
	chunk_clear(&s2);
	dh_key_free(x);
	dh_key_free(y);
}

/* Run fn(group) for the configured time or count; returns per second and
 * the count in *n. One untimed warm-up call first. */
static double bench_rate(void (*fn)(uint16_t), uint16_t group, const struct bench_opts *o,
			 unsigned *n)
{
	fn(group);
	unsigned k = 0;
	double t0 = bench_now(), t;
	do {
		fn(group);
		k++;
		t = bench_now() - t0;
	} while (o->iterations ? k < o->iterations : t < o->seconds);
	*n = k;
	return k / t;
}

static void bench_usage(void)
{
	fprintf(stderr, "usage: bench_ike [-t SECONDS] [-n ITERATIONS] [-g GROUP,GROUP...] [--no-udp]\n"
			"  defaults: -t 2 per measurement, groups 14,2,19, plus a group-14 UDP row\n");
	exit(2);
}

static void bench_parse(int argc, char **argv, struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seconds = 2.0;
	o->udp = true;
	const char *groups = "14,2,19";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			o->seconds = atof(argv[++i]);
			if (o->seconds <= 0)
				bench_usage();
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			o->iterations = (unsigned)strtoul(argv[++i], NULL, 10);
			if (!o->iterations)
				bench_usage();
		} else if (!strcmp(argv[i], "-g") && i + 1 < argc) {
			groups = argv[++i];
		} else if (!strcmp(argv[i], "--no-udp")) {
			o->udp = false;
		} else {
			bench_usage();
		}
	}
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", groups);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned long g = strtoul(t, NULL, 10);
		if (!g || g > 65535 || !dh_group_get((uint16_t)g) || o->ngroups == 16) {
			fprintf(stderr, "bench_ike: group '%s' is not implemented\n", t);
			exit(2);
		}
		o->groups[o->ngroups++] = (uint16_t)g;
	}
}

static void bench_row(const char *how, void (*hs)(uint16_t), uint16_t group,
		      const struct bench_opts *o)
{
	unsigned nh, nd;
	double h = bench_rate(hs, group, o, &nh);
	double d = bench_rate(bench_dh_only, group, o, &nd);
	const struct dh_group *g = dh_group_get(group);
	char name[32];
	snprintf(name, sizeof(name), "%s (%u)", g->name, (unsigned)group);
	/* share: the part of one handshake's time that its DH work takes */
	printf("%-14s %-7s %9.1f %9.2f %6u %10.1f %8.2f %6u %6.2f %5.0f%%\n", name, how, h,
	       1000.0 / h, nh, d, 1000.0 / d, nd, d / h, 100.0 * h / d);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	bench_parse(argc, argv, &o);
	printf("bench_ike: Main Mode + Quick Mode, PSK, aes128-sha1, ESP aes128-sha1, engine against "
	       "engine in one process; %s per measurement\n", o.iterations ? "fixed count" : "fixed time");
	if (o.iterations)
		printf("  %u iterations each\n", o.iterations);
	else
		printf("  %.1f s each\n", o.seconds);
	printf("%-14s %-7s %9s %9s %6s %10s %8s %6s %6s %6s\n", "group", "over", "hs/s", "ms/hs", "n",
	       "DH-only/s", "ms DH", "n", "ratio", "DH%");
	for (size_t i = 0; i < o.ngroups; i++)
		bench_row("memory", bench_handshake_mem, o.groups[i], &o);
	if (o.udp)
		bench_row("udp", bench_handshake_udp, 14, &o);
	printf("ratio = DH-only/s / hs/s (how many times the DH work alone fits in one handshake's "
	       "time); DH%% = the DH share of a handshake\n");
	return 0;
}
