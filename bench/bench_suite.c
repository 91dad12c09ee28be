/* bench_suite: the HAGLE suite (suites/hagle.yaml, 250 cases) run by
 * `ike-conform run --peer strongswan` at -j 1 and -j 2, timed by the wall
 * clock around the child process, next to strongSwan to strongSwan for
 * the same 250 proposals in the same run: charon in each namespace of a
 * `direct` topology, each case configured on both, initiated with
 * `swanctl --initiate`, waited for until the responder's list-sas shows
 * the child, pinged through both ways, terminated; one case after the
 * other (strongSwan's "-j 1"), the whole loop timed. Cases per second for
 * each, the ratios, the -j 2 / -j 1 speedup, where the time went by phase
 * (ike-conform run --profile-time). Then every shipped suite in full,
 * both peers, as `make suites` runs them: its time, the phases summed, a
 * worker's peak RSS with its peer, against the targets of issue 20
 * (BENCH_SUITE_ONLY=1 or a filter: the HAGLE comparison only). Needs
 * root and strongSwan; see bench/README.md.
 *
 *   bench_suite [--bin IKE-CONFORM] [--suite FILE]
 *   BENCH_SUITE_FILTER="psk-aes128-* rsa-des-md5-g1"   only these cases (both sides)
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "netns/netns.h"
#include "case/case.h"
#include "case/env.h"
#include "peers/strongswan/strongswan.h"
#include "run/run.h"
#include "suite/suite.h"

#define BENCH_POLL_US 2000
#define BENCH_MAX_FILTERS 64
#define BENCH_PINGS 3             /* each way, as the runner's traffic check */

static char bench_tmp[] = "/tmp/ikec-bench-suite-XXXXXX";
static bool bench_have_tmp;
static volatile pid_t bench_child;  /* the runner while it runs */

static void bench_rm_tmp(void)
{
	if (!bench_have_tmp)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char *const argv[] = { "/bin/rm", "-rf", bench_tmp, NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	bench_have_tmp = false;
}

/* Ctrl-C and friends: the runner cleans up after itself on SIGTERM; our
 * namespaces (and the charons in them) go by netns, then our folder. */
static void bench_on_signal(int sig)
{
	pid_t c = bench_child;
	if (c > 0) {
		kill(c, SIGTERM);
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
	}
	netns_cleanup_all();
	bench_rm_tmp();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void bench_die(const char *what, const char *why)
{
	fprintf(stderr, "bench_suite: %s: %s\n", what, why);
	exit(1);
}

/* ---- the case list, as the runner sees it ---- */

struct bench_filter {
	char *words;              /* owned copy of the variable */
	char *pat[BENCH_MAX_FILTERS];
	size_t n;
};

static void bench_filter_read(struct bench_filter *f)
{
	memset(f, 0, sizeof(*f));
	const char *env = getenv("BENCH_SUITE_FILTER");
	if (!env || !*env)
		return;
	f->words = strdup(env);
	if (!f->words)
		bench_die("memory", "out of memory");
	for (char *save = NULL, *w = strtok_r(f->words, ", \t\n", &save); w;
	     w = strtok_r(NULL, ", \t\n", &save)) {
		if (f->n == BENCH_MAX_FILTERS)
			bench_die("BENCH_SUITE_FILTER", "more than 64 patterns");
		f->pat[f->n++] = w;
	}
}

/* ---- ike-conform run, timed from the outside ---- */

struct bench_run {
	unsigned jobs;            /* 0: -j auto */
	const char *peer;         /* --peer, NULL: the suite's own peers */
	size_t cases;             /* from the runner's summary line */
	unsigned passed, workers;
	double seconds;           /* wall clock around the process */
	double inner;             /* the runner's own figure */
	char phases[512];         /* its --profile-time sums line */
	double rss_mb;            /* a worker's peak, its peer included */
};

/* What --profile-time adds to the runner's summary into r. */
static void bench_profile_line(const char *line, struct bench_run *r)
{
	static const char head[] = "ike-conform: time by phase (worker seconds):";
	double mb;
	if (strncmp(line, head, sizeof(head) - 1) == 0) {
		snprintf(r->phases, sizeof(r->phases), "%s", line + sizeof(head) - 1);
		r->phases[strcspn(r->phases, "\n")] = '\0';
	} else if (sscanf(line, "ike-conform: peak RSS of a worker, its peer included: %lf MB",
			  &mb) == 1) {
		r->rss_mb = mb;
	}
}

/* Run the runner at -j jobs, its output into log. False with why. */
static bool bench_ours(const char *bin, const char *suite, const struct bench_filter *f,
		       unsigned jobs, const char *peer, const char *log, struct bench_run *r,
		       char *why, size_t len)
{
	char j[16];
	char *argv[10 + 2 * BENCH_MAX_FILTERS];
	size_t n = 0;
	if (jobs)
		snprintf(j, sizeof(j), "%u", jobs);
	else
		snprintf(j, sizeof(j), "auto");
	argv[n++] = (char *)bin;
	argv[n++] = "run";
	argv[n++] = (char *)suite;
	if (peer) {
		argv[n++] = "--peer";
		argv[n++] = (char *)peer;
	}
	argv[n++] = "-j";
	argv[n++] = j;
	argv[n++] = "-q";
	argv[n++] = "--profile-time";
	for (size_t i = 0; f && i < f->n; i++) {
		argv[n++] = "--filter";
		argv[n++] = f->pat[i];
	}
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	r->jobs = jobs;
	r->peer = peer;
	fflush(stdout);
	fflush(stderr);
	uint64_t t0 = clock_ms();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		FILE *o = freopen(log, "w", stdout);
		if (!o || dup2(fileno(stdout), 2) < 0)
			_exit(126);
		execv(bin, argv);
		_exit(127);
	}
	bench_child = pid;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	bench_child = 0;
	r->seconds = (double)(clock_ms() - t0) / 1000.0;
	FILE *in = fopen(log, "r");
	char line[512];
	while (in && fgets(line, sizeof(line), in)) {
		/* "ike-conform: 250 cases in 61.2 s[ with 2 workers]: 250 passed, ..." */
		size_t c;
		double s;
		unsigned w;
		const char *q = strstr(line, " passed");
		bench_profile_line(line, r);
		if (sscanf(line, "ike-conform: %zu cases in %lf s with %u", &c, &s, &w) == 3)
			r->workers = w;
		if (sscanf(line, "ike-conform: %zu cases in %lf s", &c, &s) != 2 || !q)
			continue;
		while (q > line && q[-1] >= '0' && q[-1] <= '9')
			q--;
		r->cases = c;
		r->inner = s;
		r->passed = (unsigned)strtoul(q, NULL, 10);
	}
	if (in)
		fclose(in);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFSIGNALED(st))
			snprintf(why, len, "killed by signal %d", WTERMSIG(st));
		else
			snprintf(why, len, "exit status %d (%s)", WEXITSTATUS(st),
				 WEXITSTATUS(st) == 1 ? "a case failed" : WEXITSTATUS(st) == 127 ?
				 "could not be started" : "usage, suite or environment");
		return false;
	}
	if (!r->cases) {
		snprintf(why, len, "no summary line in its output");
		return false;
	}
	return true;
}

/* ---- strongSwan to strongSwan ---- */

/* One side of a suite case for a charon: the initiator in the harness
 * namespace ("moon"), the responder in the peer namespace ("sun"), the
 * case's own proposals, lifetimes and PSK, the test PKI's certificates for
 * signatures, as the runner configures its strongSwan peer. */
static void bench_ss_case(struct peer_case *pc, const struct suite_case *c,
			  const struct case_env *v, bool initiator, const char *name,
			  const char *art)
{
	char err[300];
	memset(pc, 0, sizeof(*pc));
	pc->name = name;
	pc->initiator = initiator;
	pc->exchange = c->exchange;
	pc->auth = c->auth;
	pc->psk = c->psk ? c->psk : "ike-conform bench psk";
	pc->p1[0] = c->p1;
	pc->p1[0].auth = c->auth;
	pc->np1 = 1;
	pc->p2[0] = c->p2;
	pc->np2 = 1;
	pc->local = initiator ? v->net.harness : v->net.peer;
	pc->remote = initiator ? v->net.peer_public : v->net.harness_public;
	pc->local.port = pc->remote.port = 0;
	if (!ike_ts_parse(initiator ? v->hts : v->pts, &pc->ts_local, err, sizeof(err)) ||
	    !ike_ts_parse(initiator ? v->pts : v->hts, &pc->ts_remote, err, sizeof(err)))
		bench_die("traffic selector", err);
	uint16_t e = c->p2.encap;
	pc->transport_mode = e == IKE_ENCAP_TRANSPORT || e == IKE_ENCAP_UDP_TRANSPORT ||
			     e == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
	/* kernel-libipsec knows only ESP in UDP, as in the runner */
	pc->force_encap = !strongswan_kernel_esp() || ike_encap_is_udp(e);
	if (ike_auth_is_sig(c->auth)) {
		const char *me = initiator ? "moon" : "sun", *them = initiator ? "sun" : "moon";
		const struct pki_cred *cr = pki_testpki_host(v->pki, me);
		char id[80];
		if (!cr)
			bench_die("test PKI", "no moon or sun");
		snprintf(id, sizeof(id), "fqdn:%s.example.org", me);
		if (!ike_id_parse(id, &pc->local_id, err, sizeof(err)))
			bench_die("id", err);
		snprintf(id, sizeof(id), "fqdn:%s.example.org", them);
		if (!ike_id_parse(id, &pc->remote_id, err, sizeof(err)))
			bench_die("id", err);
		pc->key_path = cr->key_path;
		pc->cert_path = cr->cert_path;
		pc->ca_path = v->ca;
	}
	pc->artifacts = art;
}

static bool bench_view(struct peer *p, const struct peer_case *c, struct peer_sa_view *out)
{
	char err[256];
	if (!p->ops->view(p, c, out, err, sizeof(err)))
		bench_die("view", err);
	return out->present && out->child.present;
}

/* BENCH_PINGS echoes from src to dst inside ns, 50 ms apart (the
 * runner's traffic check); the replies. */
static unsigned bench_ping(const char *ns, const char *src, const char *dst)
{
	char count[8], err[300], *out = NULL;
	int st = 0;
	unsigned tx = 0, rx = 0;
	snprintf(count, sizeof(count), "%d", BENCH_PINGS);
	char *const argv[] = { "ping", "-n", "-q", "-c", count, "-i", "0.05", "-W", "2", "-I",
			       (char *)src, (char *)dst, NULL };
	if (!netns_exec(ns, argv, NULL, 10000, &out, &st, err, sizeof(err)))
		bench_die("ping", err);
	const char *q = out ? strstr(out, " packets transmitted, ") : NULL;
	while (q && q > out && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (!q || sscanf(q, "%u packets transmitted, %u received", &tx, &rx) != 2)
		rx = 0;
	free(out);
	return rx;
}

struct bench_ss {
	size_t cases;
	double seconds;           /* the whole loop */
	double setup;             /* topology, PKI, two charons: not in seconds */
	uint64_t cfg_ms, hs_ms, ping_ms, down_ms; /* summed over the cases: configure both,
						     handshake, pings, terminate */
};

static void bench_host(const char *cidr, char *out, size_t len)
{
	snprintf(out, len, "%s", cidr);
	char *slash = strchr(out, '/');
	if (slash)
		*slash = '\0';
}

/* The two charons the strongSwan side runs, and the probes' hosts. */
struct bench_pair {
	struct case_env *v;
	struct peer *p[2];               /* initiator, responder */
	const char *ns[2];
	char dir[2][700];
	char hs[64], ps[64];
};

/* The proposal the case asked for, on both sides. */
static void bench_ss_proposal(const struct suite_case *c, const struct peer_sa_view vw[2],
			      const char *what)
{
	char err[600];
	for (int i = 0; i < 2; i++)
		if (vw[i].encr != c->p1.encr || vw[i].hash != c->p1.hash ||
		    vw[i].group != c->p1.group) {
			snprintf(err, sizeof(err), "%s negotiated encr %u hash %u group %u, "
				 "the case asks for %u %u %u", i ? "the responder" :
				 "the initiator", vw[i].encr, vw[i].hash, vw[i].group,
				 c->p1.encr, c->p1.hash, c->p1.group);
			bench_die(what, err);
		}
}

/* One case strongSwan to strongSwan: configure both, initiate until the
 * responder shows the child, pings both ways, terminate until both are
 * clean; each part's time added to s. */
static void bench_ss_one(struct bench_pair *b, const struct suite_case *c, struct bench_ss *s)
{
	char err[600], name[128], art[2][1600], what[300];
	struct peer_case pc[2];
	struct peer_sa_view vw[2];
	uint64_t c0 = clock_ms();
	run_conn_name(c->name, name, sizeof(name));
	snprintf(what, sizeof(what), "strongSwan to strongSwan, %s", c->name);
	if (!c->has_p2 || c->role != IKE_INITIATOR)
		bench_die(what, "only Main/Aggressive Mode initiator cases with Quick Mode");
	for (int i = 0; i < 2; i++) {
		snprintf(art[i], sizeof(art[i]), "%s/%s", b->dir[i], name);
		bench_ss_case(&pc[i], c, b->v, i == 0, name, art[i]);
		if (!b->p[i]->ops->configure(b->p[i], &pc[i], err, sizeof(err)))
			bench_die(what, err);
	}
	uint64_t h0 = clock_ms();
	s->cfg_ms += h0 - c0;
	if (!b->p[0]->ops->initiate(b->p[0], &pc[0], err, sizeof(err)))
		bench_die(what, err);
	/* the same end point as the runner's case: the responding charon
	   shows the IKE SA and its child */
	uint64_t limit = h0 + 10000;
	while (!bench_view(b->p[1], &pc[1], &vw[1])) {
		if (clock_ms() > limit)
			bench_die(what, "not established in 10 s");
		usleep(BENCH_POLL_US);
	}
	s->hs_ms += clock_ms() - h0;
	if (!bench_view(b->p[0], &pc[0], &vw[0]))
		bench_die(what, "the initiator has no child SA");
	bench_ss_proposal(c, vw, what);
	uint64_t q0 = clock_ms();
	unsigned out = bench_ping(b->ns[0], b->hs, b->ps), in = bench_ping(b->ns[1], b->ps, b->hs);
	s->ping_ms += clock_ms() - q0;
	if (out != BENCH_PINGS || in != BENCH_PINGS) {
		snprintf(err, sizeof(err), "ping replies through the tunnel: %u of %d out, "
			 "%u of %d in", out, BENCH_PINGS, in, BENCH_PINGS);
		bench_die(what, err);
	}
	uint64_t d0 = clock_ms();
	for (int i = 0; i < 2; i++)
		if (!strongswan_terminate(b->p[i], name, err, sizeof(err)))
			bench_die(what, err);
	/* both sides clean before the next case */
	limit = clock_ms() + 3000;
	while (bench_view(b->p[0], &pc[0], &vw[0]) || bench_view(b->p[1], &pc[1], &vw[1])) {
		if (clock_ms() > limit)
			bench_die(what, "SAs still there 3 s after terminate");
		usleep(BENCH_POLL_US);
	}
	s->down_ms += clock_ms() - d0;
	s->cases++;
}

static void bench_strongswan(const struct run_plan *plan, struct bench_ss *s)
{
	char err[600];
	struct bench_pair b;
	memset(&b, 0, sizeof(b));
	memset(s, 0, sizeof(*s));
	uint64_t t0 = clock_ms();
	if (!(b.v = calloc(1, sizeof(*b.v))))
		bench_die("memory", "out of memory");
	if (!case_env_up(b.v, bench_tmp, "ikecbs", err, sizeof(err)))
		bench_die("strongSwan topology", err);
	b.ns[0] = b.v->net.harness_ns;
	b.ns[1] = b.v->net.peer_ns;
	for (int i = 0; i < 2; i++) {
		snprintf(b.dir[i], sizeof(b.dir[i]), "%s/%s", bench_tmp, i ? "responder" : "initiator");
		if (!(b.p[i] = strongswan_new(b.ns[i], b.dir[i], err, sizeof(err))))
			bench_die("strongSwan", err);
	}
	bench_host(b.v->hts, b.hs, sizeof(b.hs));
	bench_host(b.v->pts, b.ps, sizeof(b.ps));
	s->setup = (double)(clock_ms() - t0) / 1000.0;
	t0 = clock_ms();
	for (size_t k = 0; k < plan->nitems; k++)
		bench_ss_one(&b, plan->items[k].c, s);
	s->seconds = (double)(clock_ms() - t0) / 1000.0;
	for (int i = 0; i < 2; i++)
		b.p[i]->ops->stop(b.p[i]);
	if (!case_env_down(b.v, err, sizeof(err)))
		fprintf(stderr, "bench_suite: teardown: %s\n", err);
	free(b.v);
}

/* ---- the command ---- */

static double bench_rate(size_t n, double s)
{
	return s > 0 ? (double)n / s : 0.0;
}

/* --bin and --suite; false on a usage error (said). The binary defaults
 * to the ike-conform beside this one, as the Makefile builds them. */
static bool bench_args(int argc, char **argv, char abin[PATH_MAX], const char **suite)
{
	char bin[PATH_MAX] = "";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bin") && i + 1 < argc) {
			snprintf(bin, sizeof(bin), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--suite") && i + 1 < argc) {
			*suite = argv[++i];
		} else {
			fprintf(stderr, "usage: bench_suite [--bin IKE-CONFORM] [--suite FILE]\n"
				"       BENCH_SUITE_FILTER=\"PATTERN...\" restricts the cases\n");
			return false;
		}
	}
	if (geteuid() != 0 || !strongswan_available())
		return true;  /* main says it skips */
	if (!bin[0]) {
		ssize_t n = readlink("/proc/self/exe", bin, sizeof(bin) - 1);
		if (n <= 0)
			bench_die("/proc/self/exe", strerror(errno));
		bin[n] = '\0';
		char *slash = strrchr(bin, '/');
		snprintf(slash + 1, sizeof(bin) - (size_t)(slash + 1 - bin), "ike-conform");
	}
	if (!realpath(bin, abin) || access(abin, X_OK) != 0)
		bench_die(bin, "ike-conform not found (make, or --bin PATH)");
	return true;
}

/* The suite's strongSwan cases, filtered; *loaded: before the filter. */
static void bench_plan(const char *suite, const struct bench_filter *f, struct run_plan *plan,
		       size_t *loaded)
{
	enum suite_peer only = SUITE_PEER_STRONGSWAN;
	struct yaml_error yerr;
	char *files[] = { (char *)suite };
	if (!run_plan_load(plan, files, 1, &only, &yerr))
		bench_die("suite", yerr.text);
	*loaded = plan->nitems;
	if (f->n)
		run_plan_filter(plan, f->pat, f->n);
	if (!plan->nitems)
		bench_die("BENCH_SUITE_FILTER", "no case matches");
}

/* The signal cleanup and the bench's temporary folder. */
static void bench_setup(void)
{
	char err[600];
	if (!netns_install_signal_cleanup(err, sizeof(err)))
		bench_die("signals", err);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], bench_on_signal);
	if (!mkdtemp(bench_tmp))
		bench_die("mkdtemp", strerror(errno));
	bench_have_tmp = true;
	atexit(bench_rm_tmp);
}

/* A run that did not pass every case: what and its output, on stderr. */
static void bench_failed(const struct bench_run *r, const char *log, const char *why,
			 size_t nitems)
{
	fprintf(stderr, "bench_suite: FAILED: ike-conform run -j %u: ", r->jobs);
	if (r->cases && r->passed != nitems)
		fprintf(stderr, "%u of %zu cases passed, %zu expected\n", r->passed, r->cases,
			nitems);
	else
		fprintf(stderr, "%s\n", why);
	fprintf(stderr, "---- its output ----\n");
	FILE *in = fopen(log, "r");
	char line[1024];
	while (in && fgets(line, sizeof(line), in))
		fputs(line, stderr);
	if (in)
		fclose(in);
}

/* Ours at -j 1 and -j 2 into r; false (with its output on stderr) when a
 * run did not pass every case. */
static bool bench_ours_both(const char *abin, const char *suite, const struct bench_filter *f,
			    size_t nitems, struct bench_run r[2])
{
	for (unsigned i = 0; i < 2; i++) {
		char log[200], why[200];
		snprintf(log, sizeof(log), "%s/run-j%u.log", bench_tmp, i + 1);
		if (bench_ours(abin, suite, f, i + 1, "strongswan", log, &r[i], why, sizeof(why)) &&
		    r[i].cases == nitems && r[i].passed == nitems)
			continue;
		bench_failed(&r[i], log, why, nitems);
		return false;
	}
	return true;
}

/* The table: ours at -j 1 and -j 2 against strongSwan to strongSwan. */
static void bench_report(const struct bench_ss *ss, const struct bench_run r[2])
{
	double ss_rate = bench_rate(ss->cases, ss->seconds);
	printf("\n  %-44s %6s %9s %8s %9s %14s\n", "who -> strongSwan", "cases", "seconds",
	       "cases/s", "ms/case", "vs strongSwan");
	for (unsigned i = 0; i < 2; i++) {
		double rate = bench_rate(r[i].cases, r[i].seconds);
		char who[64];
		snprintf(who, sizeof(who), "ike-conform run -j %u", r[i].jobs);
		printf("  %-44s %6zu %9.1f %8.2f %9.0f %13.2fx\n", who, r[i].cases, r[i].seconds,
		       rate, rate > 0 ? 1000.0 / rate : 0.0, ss_rate > 0 ? rate / ss_rate : 0.0);
	}
	printf("  %-44s %6zu %9.1f %8.2f %9.0f %13.2fx\n", "strongSwan -> strongSwan, sequential",
	       ss->cases, ss->seconds, ss_rate, ss_rate > 0 ? 1000.0 / ss_rate : 0.0, 1.0);
	double r1 = bench_rate(r[0].cases, r[0].seconds), r2 = bench_rate(r[1].cases, r[1].seconds);
	printf("\n  speedup -j 2 / -j 1: %.2fx (%ld cores online)\n", r1 > 0 ? r2 / r1 : 0.0,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("  ike-conform: the whole process, wall clock (its own count: %.1f s at -j 1, "
	       "%.1f s at -j 2);\n"
	       "    per case: both configs, handshake, cross-check, pings and a UDP token both "
	       "ways, counters, capture, replay/forgery, artifacts\n", r[0].inner, r[1].inner);
	double nc = ss->cases ? (double)ss->cases : 1.0;
	printf("  strongSwan: the loop only (setup %.1f s not counted); per case: configure both "
	       "%.0f ms,\n    handshake %.0f ms (initiate until the responder lists the child), "
	       "%d pings each way %.0f ms,\n    terminate both until both list-sas are empty "
	       "%.0f ms\n", ss->setup, (double)ss->cfg_ms / nc, (double)ss->hs_ms / nc, BENCH_PINGS,
	       (double)ss->ping_ms / nc, (double)ss->down_ms / nc);
}

/* The shipped suites, both peers, as `make suites` runs them: HAGLE at
 * -j 2 (its target is set there), the rest at -j auto. */
static const struct bench_shipped {
	const char *file;
	unsigned jobs;
	double target_s, target_per_case; /* 0: none */
} bench_shipped[] = {
	{ "suites/hagle.yaml", 2, 60.0, 0 },
	{ "suites/malformed.yaml", 0, 0, 0.3 },
	{ "suites/dh-groups.yaml", 0, 0, 0 },
	{ "suites/lifetime.yaml", 0, 0, 0 },
	{ "suites/nat-t.yaml", 0, 0, 0 },
	{ "suites/identities.yaml", 0, 0, 0 },
	{ "suites/pki.yaml", 0, 0, 0 },
};

/* Each shipped suite in full, both peers: its time, the phases summed
 * over its cases, a worker's peak memory, the targets. False when a
 * case failed. */
static bool bench_suites(const char *abin)
{
	size_t n = sizeof(bench_shipped) / sizeof(bench_shipped[0]);
	struct bench_run r[sizeof(bench_shipped) / sizeof(bench_shipped[0])];
	double all = 0, rss = 0;
	size_t cases = 0;
	printf("\nbench_suite: the shipped suites in full, both peers (worker seconds by phase)\n");
	for (size_t i = 0; i < n; i++) {
		const struct bench_shipped *b = &bench_shipped[i];
		char log[200], why[200];
		snprintf(log, sizeof(log), "%s/suite-%zu.log", bench_tmp, i);
		fflush(stdout);
		if (!bench_ours(abin, b->file, NULL, b->jobs, NULL, log, &r[i], why, sizeof(why)) ||
		    r[i].passed != r[i].cases) {
			bench_failed(&r[i], log, why, r[i].cases);
			return false;
		}
		double per = r[i].cases ? r[i].seconds / (double)r[i].cases : 0;
		char target[64] = "";
		if (b->target_s)
			snprintf(target, sizeof(target), "target <= %.0f s: %s", b->target_s,
				 r[i].seconds <= b->target_s ? "met" : "MISSED");
		else if (b->target_per_case)
			snprintf(target, sizeof(target), "target <= %.2f s/case: %s",
				 b->target_per_case, per <= b->target_per_case ? "met" : "MISSED");
		char jobs[16];
		snprintf(jobs, sizeof(jobs), b->jobs ? "%u" : "auto", b->jobs);
		printf("  %-24s -j %-4s %4zu cases %7.1f s %6.3f s/case %2u workers  %5.1f MB  %s\n",
		       b->file, jobs, r[i].cases,
		       r[i].seconds, per, r[i].workers, r[i].rss_mb, target);
		printf("      %s\n", r[i].phases);
		all += r[i].seconds;
		cases += r[i].cases;
		rss = r[i].rss_mb > rss ? r[i].rss_mb : rss;
	}
	printf("  all five: %zu cases in %.1f s (target for make suites <= 240 s: %s); a worker's "
	       "peak RSS %.1f MB (target <= 32 MB: %s)\n", cases, all, all <= 240 ? "met" : "MISSED",
	       rss, rss <= 32 ? "met" : "MISSED");
	return true;
}

int main(int argc, char **argv)
{
	char abin[PATH_MAX];
	const char *suite = "suites/hagle.yaml";
	if (!bench_args(argc, argv, abin, &suite))
		return 2;
	if (geteuid() != 0 || !strongswan_available()) {
		printf("bench_suite: skipped: %s\n", geteuid() ? "needs root (network namespaces)"
		       : "strongSwan is not installed (make deps)");
		return 0;
	}
	struct bench_filter f;
	bench_filter_read(&f);
	struct run_plan plan;
	size_t loaded;
	bench_plan(suite, &f, &plan, &loaded);
	bench_setup();
	bool libipsec = !strongswan_kernel_esp();
	printf("bench_suite: %s against strongSwan, %zu of %zu cases (Main Mode initiator, "
	       "Quick Mode aes128-sha1 with traffic), %s\n", suite, plan.nitems, loaded,
	       libipsec ? "kernel-libipsec (ESP in UDP)" : "kernel-netlink");
	if (f.n)
		printf("bench_suite: BENCH_SUITE_FILTER=\"%s\"\n", getenv("BENCH_SUITE_FILTER"));
	fflush(stdout);
	/* strongSwan to strongSwan, the same proposals, one after the other */
	struct bench_ss ss;
	bench_strongswan(&plan, &ss);
	struct bench_run r[2];
	bool ok = bench_ours_both(abin, suite, &f, plan.nitems, r);
	if (ok)
		bench_report(&ss, r);
	for (unsigned i = 0; ok && i < 2; i++)
		printf("  -j %u by phase (worker seconds):%s; peak RSS %.1f MB\n", r[i].jobs,
		       r[i].phases, r[i].rss_mb);
	if (ok && !f.n && !getenv("BENCH_SUITE_ONLY"))
		ok = bench_suites(abin);
	run_plan_free(&plan);
	free(f.words);
	return ok ? 0 : 1;
}
