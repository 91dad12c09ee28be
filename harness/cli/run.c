/* ike-conform [run] [OPTIONS] SUITE...: suite files run in workers, a
 * line per case, a summary, JUnit, artifacts and seeds (run/run.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/chunk.h"
#include "netns/netns.h"
#include "peers/peer.h"
#include "report/junit.h"
#include "run/run.h"

static void cli_run_usage(FILE *f)
{
	fprintf(f,
		"usage: ike-conform [run] [OPTIONS] SUITE.yaml...\n"
		"\n"
		"Runs the cases of suite files (docs/suite-format.md) against their peers in\n"
		"network namespaces built for the run; one line per case, then a summary.\n"
		"\n"
		"  --list            print the expanded case ids, run nothing\n"
		"  --filter PATTERN  only cases whose id (or name) matches (fnmatch; repeatable)\n"
		"  -j, --jobs N      N workers at once, each with its own namespaces and peers;\n"
		"                    auto: one per core, one more each second the machine is\n"
		"                    more than a third idle (cases waiting on windows), up to\n"
		"                    4 per core and 16\n"
		"  --shard K/N       only the K-th of N stable slices (by a hash of the case id)\n"
		"  --junit FILE      write a JUnit XML report (valid in the xunit junit-10 and\n"
		"                    dtkit junit-4 dialects; each case's properties atop its\n"
		"                    system-out)\n"
		"  --junit-properties  each case's properties as <properties> in its testcase\n"
		"                    (Jenkins' junit step with keepProperties; not in the dialects)\n"
		"  --junit-file      each testcase's file: its suite file (GitLab links it; not\n"
		"                    in the dialects)\n"
		"  --out DIR         keep artifacts: DIR/<suite>/<case>/ (logs, peer config,\n"
		"                    wire.pcap, wireshark/ key tables)\n"
		"  --seeds DIR       fuzzing seeds: every datagram sent and received, raw\n"
		"  --seed N          the harness's random values (cookies, nonces, DH keys)\n"
		"                    from N and each case id, so a rerun sends the same\n"
		"                    bytes; recorded in the report (default: a random seed,\n"
		"                    not applied)\n"
		"  --fuzz N          N mutated variants of each case per message the harness\n"
		"                    sends (catalog entries, field overrides, bit flips ...);\n"
		"                    each must leave the peer alive. A failing variant is\n"
		"                    written as a suite file to rerun: DIR/reproducers/ with\n"
		"                    --out DIR, else ./fuzz-SEED/\n"
		"  --peer NAME       run every suite against this peer (strongswan, self,\n"
		"                    remote)\n"
		"  --profile FILE    the device the remote peer stands for (docs/vendors.md);\n"
		"                    cases it cannot take are skipped, saying why\n"
		"  --timeout SECS    per case (default 60): past it the case is killed, an error\n"
		"  --profile-time    where each case's time went, by phase (topology, peer\n"
		"                    configuration, handshake, windows, peer's view, traffic,\n"
		"                    peer-alive, artifacts), the sums, and a worker's peak RSS\n"
		"  -v, --verbose     say what happened in passing cases too\n"
		"  -q, --quiet       only failures and the summary\n"
		"  --help, --version\n"
		"\n"
		"Case ids: SUITE/CASE, or SUITE@PEER/CASE when a suite lists several peers.\n"
		"Exit status: 0 every case passed (or was skipped), 1 a case failed, 2 usage or\n"
		"a suite file error, 3 the environment lacks something (not root, no strongSwan).\n");
}

/* ---- cleanup on signals: workers, then our temporary folder ---- */

static char cli_run_tmp[PATH_MAX];

static void cli_run_on_signal(int sig)
{
	run_pool_abort();
	if (cli_run_tmp[0])
		cli_rm_rf(cli_run_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- progress and the report ---- */

struct cli_run_ctx {
	const struct run_plan *plan;
	const struct run_opts *o;
	int verbosity;            /* -1 quiet, 0, 1 verbose */
	bool profile_time;        /* --profile-time: each case's phases */
	size_t done;
	unsigned width;
	unsigned counts[4];       /* by enum run_status */
};

/* The phases that took time, in unit (us / div): "handshake 12.3 ms, ...". */
static void cli_run_phases(const char *head, const uint64_t us[PROF_COUNT], double div,
			   const char *unit)
{
	uint64_t all = 0;
	for (size_t p = 0; p < PROF_COUNT; p++)
		all += us[p];
	printf("%s", head);
	for (size_t p = 0, n = 0; p < PROF_COUNT; p++)
		if (us[p] >= 50)
			printf("%s %s %.1f %s (%.0f%%)", n++ ? "," : "", prof_phase_name(p),
			       (double)us[p] / div, unit, all ? 100.0 * (double)us[p] / (double)all : 0.0);
	printf("\n");
}

static void cli_run_done(void *vctx, size_t item, const struct run_verdict *v)
{
	struct cli_run_ctx *x = vctx;
	x->done++;
	x->counts[v->status]++;
	bool bad = v->status == RUN_FAIL || v->status == RUN_ERROR;
	if (x->verbosity < 0 && !bad)
		return;
	printf("[%*zu/%zu] %-5s %s %" PRIu64 " ms\n", (int)x->width, x->done, x->plan->nitems,
	       run_status_name(v->status), x->plan->items[item].id, v->ms);
	if (v->status == RUN_FAIL)
		printf("        %s: expected %s, seen %s\n", v->what, v->expected, v->seen);
	if (v->status == RUN_ERROR || v->status == RUN_SKIP || (v->status == RUN_FAIL && v->why[0]) ||
	    (x->verbosity > 0 && v->why[0]))
		printf("        %s\n", v->why);
	if (x->profile_time)
		cli_run_phases("        phases:", v->phase_us, 1000.0, "ms");
	fflush(stdout);
}

static char *cli_run_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 8192, n = 0, k;
	char *buf = xmalloc(cap);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The JUnit report: a testsuite per group (suite, peer) with the run's
 * environment, a testcase per case with the classname "suite.peer" (a dot,
 * so Jenkins files it under the suite as a package), what the case asks
 * and what it negotiated as properties, its harness.log as system-out. */
static bool cli_run_junit(const struct run_plan *p, const struct run_opts *o,
			  const struct run_verdict *v, const char *path, const char *seed,
			  unsigned opts, char *err, size_t errlen)
{
	struct junit *j = junit_new("ike-conform");
	junit_options(j, opts);
	struct junit_suite *cur = NULL;
	const char *curname = NULL;
	for (size_t i = 0; i < p->nitems; i++) {
		const struct run_item *it = &p->items[i];
		const char *peer = suite_peer_name(it->c->peer);
		if (!curname || strcmp(curname, it->group)) {
			/* items of one group are contiguous (peer-major per file) */
			cur = junit_suite(j, it->group, it->suite->file, NULL);
			curname = it->group;
			junit_suite_property(cur, "peer", peer);
			junit_suite_property(cur, "topology", netns_topology_name(it->suite->topology));
			junit_suite_property(cur, "seed", seed);
			cli_report_environment(cur);
		}
		const struct run_verdict *r = &v[i];
		char classname[200];
		snprintf(classname, sizeof(classname), "%s.%s", it->suite->name, peer);
		struct junit_case *c = junit_case(cur, classname, it->c->name, (double)r->ms / 1000.0);
		cli_report_case_info(c, it->c);
		for (size_t k = 0; k < r->nprops; k++)
			junit_case_property(c, r->props[k][0], r->props[k][1]);
		if (r->status == RUN_FAIL)
			junit_case_mismatch(c, r->what, r->expected, r->seen, r->why);
		else if (r->status == RUN_ERROR)
			junit_case_error(c, "error", r->why, NULL);
		else if (r->status == RUN_SKIP)
			junit_case_skipped(c, r->why);
		char dir[1200], log[1300];
		run_case_dir(o, it, dir, sizeof(dir));
		snprintf(log, sizeof(log), "%s/harness.log", dir);
		size_t n = 0;
		char *text = cli_run_slurp(log, &n);
		if (text) {
			junit_case_system_out(c, text, n);
			free(text);
		}
	}
	bool ok = junit_write(j, path, err, errlen);
	junit_free(j);
	return ok;
}

/* ---- fuzz reproducers ---- */

/* Each failed variant as the suite file it ran from, to rerun alone. */
static void cli_run_reproducers(const struct run_plan *p, const struct run_verdict *v,
				const char *outdir, const char *seed)
{
	char dir[PATH_MAX + 16];
	if (outdir)
		snprintf(dir, sizeof(dir), "%s/reproducers", outdir);
	else
		snprintf(dir, sizeof(dir), "fuzz-%s", seed);
	size_t written = 0;
	for (size_t i = 0; i < p->nitems; i++) {
		const struct run_item *it = &p->items[i];
		if (!it->text || (v[i].status != RUN_FAIL && v[i].status != RUN_ERROR))
			continue;
		char path[PATH_MAX + 320];
		if (!written && mkdir(dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "ike-conform: %s: %s\n", dir, strerror(errno));
			return;
		}
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, it->c->name);
		FILE *f = fopen(path, "w");
		bool ok = f && fputs(it->text, f) >= 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok) {
			fprintf(stderr, "ike-conform: %s: %s\n", path, strerror(errno));
			continue;
		}
		printf("ike-conform: reproducer %s (ike-conform run %s)\n", path, path);
		written++;
	}
	if (written)
		printf("ike-conform: %zu failing variant%s written to %s\n", written,
		       written == 1 ? "" : "s", dir);
}

/* ---- the command ---- */

/* The folder made (or there already) and its absolute path. */
static bool cli_run_mkdir_abs(const char *dir, char *abs, size_t len)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return false;
	char tmp[PATH_MAX];
	if (!realpath(dir, tmp) || strlen(tmp) >= len)
		return false;
	memcpy(abs, tmp, strlen(tmp) + 1);
	return true;
}

/* The run's temporary folder (mkdtemp). */
#define CLI_RUN_WORK "/tmp/ikec-run-XXXXXX"

/* What the options say, and what the run builds from them. */
struct cli_run_cmd {
	bool list;
	char **filters;
	size_t nfilters;
	unsigned jobs, shard_k, shard_n, timeout, fuzz;
	const char *junit, *out, *seeds, *profile_file;
	unsigned junit_opts;      /* JUNIT_OPT_*: --junit-properties, --junit-file */
	char seed[32];
	bool seeded;              /* --seed given: applied to the cases */
	bool profile_time;
	uint64_t seed_n;
	enum suite_peer only;
	bool has_only;
	int verbosity;            /* -1 quiet, 0, 1 verbose */
	struct profile prof;
	bool have_prof;
	struct run_plan plan;
	size_t loaded;            /* cases before --shard (and --filter, unless fuzzing) */
	char bin[PATH_MAX], outdir[PATH_MAX], seedsdir[PATH_MAX];
	char work[sizeof(CLI_RUN_WORK)];
	struct run_opts o;
};

enum {
	CLI_RUN_O_LIST = 256, CLI_RUN_O_FILTER, CLI_RUN_O_SHARD, CLI_RUN_O_JUNIT, CLI_RUN_O_OUT,
	CLI_RUN_O_SEEDS, CLI_RUN_O_SEED, CLI_RUN_O_FUZZ, CLI_RUN_O_PEER, CLI_RUN_O_PROFILE,
	CLI_RUN_O_TIMEOUT, CLI_RUN_O_PROFILE_TIME, CLI_RUN_O_HELP, CLI_RUN_O_VERSION,
	CLI_RUN_O_JUNIT_PROPS, CLI_RUN_O_JUNIT_FILE
};

static const struct option cli_run_options[] = {
	{ "list", no_argument, NULL, CLI_RUN_O_LIST },
	{ "filter", required_argument, NULL, CLI_RUN_O_FILTER },
	{ "jobs", required_argument, NULL, 'j' },
	{ "shard", required_argument, NULL, CLI_RUN_O_SHARD },
	{ "junit", required_argument, NULL, CLI_RUN_O_JUNIT },
	{ "junit-properties", no_argument, NULL, CLI_RUN_O_JUNIT_PROPS },
	{ "junit-file", no_argument, NULL, CLI_RUN_O_JUNIT_FILE },
	{ "out", required_argument, NULL, CLI_RUN_O_OUT },
	{ "seeds", required_argument, NULL, CLI_RUN_O_SEEDS },
	{ "seed", required_argument, NULL, CLI_RUN_O_SEED },
	{ "fuzz", required_argument, NULL, CLI_RUN_O_FUZZ },
	{ "peer", required_argument, NULL, CLI_RUN_O_PEER },
	{ "profile", required_argument, NULL, CLI_RUN_O_PROFILE },
	{ "timeout", required_argument, NULL, CLI_RUN_O_TIMEOUT },
	{ "profile-time", no_argument, NULL, CLI_RUN_O_PROFILE_TIME },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, CLI_RUN_O_HELP },
	{ "version", no_argument, NULL, CLI_RUN_O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* A usage error about an option's value: exit status 2. */
static int cli_run_bad_value(const char *opt, const char *takes, const char *arg)
{
	fprintf(stderr, "ike-conform: %s takes %s, not '%s'\n", opt, takes, arg);
	return 2;
}

/* A whole number from 1 to max; *out untouched when it is not one. */
static bool cli_run_number(const char *arg, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);
	if (end == arg || *end || n < 1 || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* --seed N, kept as the decimal text the report shows. */
static bool cli_run_seed_value(struct cli_run_cmd *x, const char *arg)
{
	char *end;
	unsigned long long s = strtoull(arg, &end, 0);
	if (end == arg || *end)
		return false;
	snprintf(x->seed, sizeof(x->seed), "%llu", s);
	return true;
}

/* One option from getopt_long: -1 to go on, else the exit status. */
static int cli_run_option(struct cli_run_cmd *x, int c, char **argv)
{
	switch (c) {
	case CLI_RUN_O_LIST: x->list = true; return -1;
	case CLI_RUN_O_FILTER: x->filters[x->nfilters++] = optarg; return -1;
	case 'j':
		if (strcmp(optarg, "auto") == 0)
			x->jobs = RUN_JOBS_AUTO;
		else if (!cli_run_number(optarg, 64, &x->jobs))
			return cli_run_bad_value("-j", "a number from 1 to 64, or auto", optarg);
		return -1;
	case CLI_RUN_O_SHARD:
		if (!run_shard_parse(optarg, &x->shard_k, &x->shard_n))
			return cli_run_bad_value("--shard", "K/N with 1 <= K <= N <= 1000", optarg);
		return -1;
	case CLI_RUN_O_JUNIT: x->junit = optarg; return -1;
	case CLI_RUN_O_JUNIT_PROPS: x->junit_opts |= JUNIT_OPT_CASE_PROPERTIES; return -1;
	case CLI_RUN_O_JUNIT_FILE: x->junit_opts |= JUNIT_OPT_CASE_FILE; return -1;
	case CLI_RUN_O_OUT: x->out = optarg; return -1;
	case CLI_RUN_O_SEEDS: x->seeds = optarg; return -1;
	case CLI_RUN_O_SEED:
		if (!cli_run_seed_value(x, optarg))
			return cli_run_bad_value("--seed", "a number", optarg);
		return -1;
	case CLI_RUN_O_FUZZ:
		if (!cli_run_number(optarg, 10000, &x->fuzz))
			return cli_run_bad_value("--fuzz", "a number of variants from 1 to 10000",
						 optarg);
		return -1;
	case CLI_RUN_O_PEER:
		if (!suite_peer_by_name(optarg, &x->only))
			return cli_run_bad_value("--peer", "strongswan, self or remote", optarg);
		x->has_only = true;
		return -1;
	case CLI_RUN_O_PROFILE: x->profile_file = optarg; return -1;
	case CLI_RUN_O_PROFILE_TIME: x->profile_time = true; return -1;
	case CLI_RUN_O_TIMEOUT:
		if (!cli_run_number(optarg, 86400, &x->timeout))
			return cli_run_bad_value("--timeout", "seconds from 1 to 86400", optarg);
		return -1;
	case 'v': x->verbosity = 1; return -1;
	case 'q': x->verbosity = -1; return -1;
	case CLI_RUN_O_HELP: cli_run_usage(stdout); return 0;
	case CLI_RUN_O_VERSION: printf("ike-conform %s\n", IKEC_VERSION); return 0;
	case ':':
		fprintf(stderr, "ike-conform: %s needs a value\n", argv[optind - 1]);
		return 2;
	default:
		fprintf(stderr, "ike-conform: unknown option '%s' (try --help)\n", argv[optind - 1]);
		return 2;
	}
}

/* The options, then at least one suite file (from argv[optind]) and the
 * seed (a random one unless --seed): -1 to go on, else the exit status. */
static int cli_run_parse(struct cli_run_cmd *x, int argc, char **argv)
{
	int c, rc;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":j:vq", cli_run_options, NULL)) != -1)
		if ((rc = cli_run_option(x, c, argv)) >= 0)
			return rc;
	if (optind >= argc) {
		fprintf(stderr, "ike-conform: no suite file given (try --help)\n");
		return 2;
	}
	x->seeded = x->seed[0] != '\0';
	if (!x->seeded)
		snprintf(x->seed, sizeof(x->seed), "%" PRIu64,
			 (uint64_t)time(NULL) ^ (uint64_t)getpid());
	x->seed_n = strtoull(x->seed, NULL, 10);
	return -1;
}

/* The profile, then the cases: the files loaded, filtered, replaced by
 * their fuzz variants, sharded. -1 to go on (x->plan to free), else the
 * exit status (nothing to free but the profile). */
static int cli_run_plan(struct cli_run_cmd *x, char **files, size_t nfiles)
{
	struct yaml_error yerr = { 0 };
	if (x->profile_file) {
		if (!profile_load_file(x->profile_file, &x->prof, &yerr)) {
			fprintf(stderr, "%s\n", yerr.text);
			return 2;
		}
		x->have_prof = true;
	}
	if (!run_plan_load(&x->plan, files, nfiles, x->has_only ? &x->only : NULL, &yerr)) {
		fprintf(stderr, "%s\n", yerr.text);
		return 2;
	}
	x->loaded = x->plan.nitems;
	run_plan_filter(&x->plan, x->filters, x->nfilters);
	if (x->fuzz) {
		/* the variants of what was chosen replace it */
		struct run_plan fp;
		bool ok = run_fuzz_plan(&x->plan, x->fuzz, x->seed_n, &fp, &yerr);
		run_plan_free(&x->plan);
		if (!ok) {
			fprintf(stderr, "ike-conform: a fuzz variant did not load (a bug): %s\n",
				yerr.text);
			return 2;
		}
		x->plan = fp;
		x->loaded = x->plan.nitems;
	}
	if (x->shard_n)
		run_plan_shard(&x->plan, x->shard_k, x->shard_n);
	return -1;
}

/* --list: the ids on stdout, the count on stderr. */
static int cli_run_list(const struct cli_run_cmd *x)
{
	for (size_t i = 0; i < x->plan.nitems; i++)
		printf("%s\n", x->plan.items[i].id);
	fprintf(stderr, "%zu of %zu cases\n", x->plan.nitems, x->loaded);
	return 0;
}

/* What the cases need of the machine: root, strongSwan for its cases; a
 * remote device takes one case at a time. -1 to go on, else 3. */
static int cli_run_environment(struct cli_run_cmd *x)
{
	/* the first driver the plan needs that this machine cannot run */
	bool need_dev = false;
	char why[300] = "";
	for (size_t i = 0; i < x->plan.nitems; i++) {
		const struct peer_driver *d = peer_driver(suite_peer_name(x->plan.items[i].c->peer));
		need_dev |= d && d->device;
		if (d && d->available && !why[0] && !d->available(why, sizeof(why)) && !why[0])
			snprintf(why, sizeof(why), "peer %s cannot run here", d->name);
	}
	if (need_dev && x->have_prof && x->jobs != 1) {
		/* one device, one address of ours on its link: one case at a time */
		if (x->verbosity >= 0)
			printf("ike-conform: the remote peer %s takes one case at a time (-j 1)\n",
			       x->prof.name);
		x->jobs = 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ike-conform: needs root (it builds network namespaces)\n");
		return 3;
	}
	if (why[0]) {
		fprintf(stderr, "ike-conform: %s\n", why);
		return 3;
	}
	return -1;
}

/* Our own binary (the self peer, probes), the run's temporary folder
 * (removed on a signal too) and the pool's options. -1 to go on, else 3
 * (with nothing made). */
static int cli_run_workdir(struct cli_run_cmd *x)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	snprintf(x->work, sizeof(x->work), "%s", CLI_RUN_WORK);
	ssize_t bn = readlink("/proc/self/exe", x->bin, sizeof(x->bin) - 1);
	if (bn <= 0 || !mkdtemp(x->work)) {
		fprintf(stderr, "ike-conform: %s: %s\n", bn <= 0 ? "/proc/self/exe" : "mkdtemp",
			strerror(errno));
		return 3;
	}
	x->bin[bn] = '\0';
	snprintf(cli_run_tmp, sizeof(cli_run_tmp), "%s", x->work);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], cli_run_on_signal);
	x->o = (struct run_opts){ .jobs = x->jobs, .timeout_s = x->timeout, .bin = x->bin,
				  .work = x->work };
	snprintf(x->o.prefix, sizeof(x->o.prefix), "ikec%04x", (unsigned)getpid() & 0xffff);
	return -1;
}

/* The artifacts folder (--out, else one in the work folder) and the
 * seeds folder, into the pool's options. -1 to go on, else 3. */
static int cli_run_outdirs(struct cli_run_cmd *x)
{
	int rc = -1;
	if (x->out && !cli_run_mkdir_abs(x->out, x->outdir, sizeof(x->outdir))) {
		fprintf(stderr, "ike-conform: --out %s: %s\n", x->out, strerror(errno));
		rc = 3;
	} else if (x->seeds && !cli_run_mkdir_abs(x->seeds, x->seedsdir, sizeof(x->seedsdir))) {
		fprintf(stderr, "ike-conform: --seeds %s: %s\n", x->seeds, strerror(errno));
		rc = 3;
	} else if (!x->out) {
		snprintf(x->outdir, sizeof(x->outdir), "%s/cases", x->work);
		if (mkdir(x->outdir, 0755) != 0)
			rc = 3;
	}
	x->o.out = x->outdir;
	x->o.seeds = x->seeds ? x->seedsdir : NULL;
	x->o.seeded = x->seeded;
	x->o.seed = x->seed_n;
	x->o.profile = x->have_prof ? &x->prof : NULL;
	return rc;
}

/* --profile-time: the phases summed over the cases (worker time: with
 * N workers about N times the wall clock) and the largest worker. */
static void cli_run_profile_sum(const struct run_plan *p, const struct run_verdict *v)
{
	uint64_t us[PROF_COUNT] = { 0 }, rss = 0;
	for (size_t i = 0; i < p->nitems; i++) {
		for (size_t k = 0; k < PROF_COUNT; k++)
			us[k] += v[i].phase_us[k];
		if (v[i].rss_kb > rss)
			rss = v[i].rss_kb;
	}
	cli_run_phases("ike-conform: time by phase (worker seconds):", us, 1e6, "s");
	printf("ike-conform: peak RSS of a worker, its peer included: %.1f MB\n",
	       (double)rss / 1024.0);
}

/* The summary lines, the reproducers of a fuzz run, and the exit status
 * the verdicts give. */
static int cli_run_summary(const struct cli_run_cmd *x, const struct cli_run_ctx *c,
			   const struct run_verdict *v, double secs)
{
	unsigned jobs = x->jobs == RUN_JOBS_AUTO ? run_pool_jobs_used() : x->jobs;
	printf("ike-conform: %zu cases in %.1f s with %u worker%s: %u passed, %u failed, "
	       "%u errors, %u skipped\n", x->plan.nitems, secs, jobs, jobs == 1 ? "" : "s",
	       c->counts[RUN_PASS], c->counts[RUN_FAIL], c->counts[RUN_ERROR], c->counts[RUN_SKIP]);
	if (x->junit)
		printf("ike-conform: JUnit report in %s\n", x->junit);
	if (x->out)
		printf("ike-conform: artifacts in %s\n", x->outdir);
	if (x->seeds)
		printf("ike-conform: seeds in %s\n", x->seedsdir);
	if (x->fuzz)
		cli_run_reproducers(&x->plan, v, x->out ? x->outdir : NULL, x->seed);
	if (x->profile_time)
		cli_run_profile_sum(&x->plan, v);
	/* last, in the form CI log readers count (errors are failures) */
	printf("ike-conform: %u passed, %u failed, %u skipped\n", c->counts[RUN_PASS],
	       c->counts[RUN_FAIL] + c->counts[RUN_ERROR], c->counts[RUN_SKIP]);
	return c->counts[RUN_FAIL] || c->counts[RUN_ERROR] ? 1 : 0;
}

/* The cases in the pool, a line each as they end, then the JUnit report
 * and the summary: the exit status. */
static int cli_run_execute(const struct cli_run_cmd *x, struct run_verdict *v)
{
	char err[600];
	struct cli_run_ctx c = { .plan = &x->plan, .o = &x->o, .verbosity = x->verbosity,
				 .profile_time = x->profile_time };
	for (size_t n = x->plan.nitems; n; n /= 10)
		c.width++;
	uint64_t t0 = clock_ms();
	char workers[48];
	if (x->jobs == RUN_JOBS_AUTO)
		snprintf(workers, sizeof(workers), "workers: auto");
	else
		snprintf(workers, sizeof(workers), "%u worker%s", x->jobs, x->jobs == 1 ? "" : "s");
	if (x->verbosity >= 0)
		printf("ike-conform: %zu cases from %zu suite file%s, %s, seed %s\n",
		       x->plan.nitems, x->plan.nsuites, x->plan.nsuites == 1 ? "" : "s", workers,
		       x->seed);
	if (!run_pool(&x->plan, &x->o, v, cli_run_done, &c, err, sizeof(err))) {
		fprintf(stderr, "ike-conform: %s\n", err);
		return 3;
	}
	double secs = (double)(clock_ms() - t0) / 1000.0;
	if (x->junit && !cli_run_junit(&x->plan, &x->o, v, x->junit, x->seed, x->junit_opts, err,
				       sizeof(err))) {
		fprintf(stderr, "ike-conform: %s\n", err);
		return 3;
	}
	return cli_run_summary(x, &c, v, secs);
}

/* Anything a worker could not remove (it was killed mid-way), then the
 * work folder. */
static void cli_run_cleanup(struct cli_run_cmd *x)
{
	char err[600];
	unsigned gone = 0;
	if (!netns_cleanup_prefix(x->o.prefix, NULL, NULL, &gone, err, sizeof(err)))
		fprintf(stderr, "ike-conform: cleanup: %s\n", err);
	cli_rm_rf(x->work);
	cli_run_tmp[0] = '\0';
}

/* The planned cases run, from the work folder to its removal. */
static int cli_run_cases(struct cli_run_cmd *x)
{
	int rc = cli_run_workdir(x);
	if (rc >= 0)
		return rc;
	rc = cli_run_outdirs(x);
	struct run_verdict *v = NULL;
	if (rc < 0) {
		v = xcalloc(x->plan.nitems ? x->plan.nitems : 1, sizeof(*v));
		rc = cli_run_execute(x, v);
	}
	cli_run_cleanup(x);
	free(v);
	return rc;
}

int cli_run(int argc, char **argv)
{
	struct cli_run_cmd x = { .jobs = 1, .timeout = 60 };
	x.filters = xcalloc((size_t)argc + 1, sizeof(char *));
	int rc = cli_run_parse(&x, argc, argv);
	if (rc < 0 && (rc = cli_run_plan(&x, argv + optind, (size_t)(argc - optind))) < 0) {
		if (x.list)
			rc = cli_run_list(&x);
		else if ((rc = cli_run_environment(&x)) < 0)
			rc = cli_run_cases(&x);
		run_plan_free(&x.plan);
	}
	if (x.have_prof)
		profile_free(&x.prof);
	free(x.filters);
	return rc;
}
