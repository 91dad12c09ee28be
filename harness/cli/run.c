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
#include "peers/strongswan/strongswan.h"
#include "report/junit.h"
#include "run/run.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: ike-conform [run] [OPTIONS] SUITE.yaml...\n"
		"\n"
		"Runs the cases of suite files (docs/suite-format.md) against their peers in\n"
		"network namespaces built for the run; one line per case, then a summary.\n"
		"\n"
		"  --list            print the expanded case ids, run nothing\n"
		"  --filter PATTERN  only cases whose id (or name) matches (fnmatch; repeatable)\n"
		"  -j, --jobs N      N workers at once, each with its own namespaces and peers\n"
		"  --shard K/N       only the K-th of N stable slices (by a hash of the case id)\n"
		"  --junit FILE      write a JUnit XML report\n"
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
		"  -v, --verbose     say what happened in passing cases too\n"
		"  -q, --quiet       only failures and the summary\n"
		"  --help, --version\n"
		"\n"
		"Case ids: SUITE/CASE, or SUITE@PEER/CASE when a suite lists several peers.\n"
		"Exit status: 0 every case passed (or was skipped), 1 a case failed, 2 usage or\n"
		"a suite file error, 3 the environment lacks something (not root, no strongSwan).\n");
}

/* ---- cleanup on signals: workers, then our temporary folder ---- */

static char run_tmp[PATH_MAX];

static void run_on_signal(int sig)
{
	run_pool_abort();
	if (run_tmp[0])
		cli_rm_rf(run_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- progress and the report ---- */

struct run_ctx {
	const struct run_plan *plan;
	const struct run_opts *o;
	int verbosity;            /* -1 quiet, 0, 1 verbose */
	size_t done;
	unsigned width;
	unsigned counts[4];       /* by enum run_status */
};

static void run_done(void *vctx, size_t item, const struct run_verdict *v)
{
	struct run_ctx *x = vctx;
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
	fflush(stdout);
}

static char *run_slurp(const char *path, size_t *len)
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

static bool run_junit(const struct run_plan *p, const struct run_opts *o,
		      const struct run_verdict *v, const char *path, const char *seed,
		      char *err, size_t errlen)
{
	struct junit *j = junit_new("ike-conform");
	struct junit_suite *cur = NULL;
	const char *curname = NULL;
	for (size_t i = 0; i < p->nitems; i++) {
		const struct run_item *it = &p->items[i];
		if (!curname || strcmp(curname, it->group)) {
			/* items of one group are contiguous (peer-major per file) */
			cur = junit_suite(j, it->group, it->suite->file, NULL);
			curname = it->group;
			junit_suite_property(cur, "peer", suite_peer_name(it->c->peer));
			junit_suite_property(cur, "topology", netns_topology_name(it->suite->topology));
			junit_suite_property(cur, "seed", seed);
		}
		const struct run_verdict *r = &v[i];
		struct junit_case *c = junit_case(cur, it->group, it->c->name, (double)r->ms / 1000.0);
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
		char *text = run_slurp(log, &n);
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
static void run_reproducers(const struct run_plan *p, const struct run_verdict *v,
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

static bool run_mkdir_abs(const char *dir, char *abs, size_t len)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return false;
	char tmp[PATH_MAX];
	if (!realpath(dir, tmp) || strlen(tmp) >= len)
		return false;
	memcpy(abs, tmp, strlen(tmp) + 1);
	return true;
}

int cli_run(int argc, char **argv)
{
	enum { O_LIST = 256, O_FILTER, O_SHARD, O_JUNIT, O_OUT, O_SEEDS, O_SEED, O_FUZZ, O_PEER, O_PROFILE,
	       O_TIMEOUT, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "list", no_argument, NULL, O_LIST },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "out", required_argument, NULL, O_OUT },
		{ "seeds", required_argument, NULL, O_SEEDS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "fuzz", required_argument, NULL, O_FUZZ },
		{ "peer", required_argument, NULL, O_PEER },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool list = false;
	char **filters = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nfilters = 0;
	unsigned jobs = 1, shard_k = 0, shard_n = 0, timeout = 60, fuzz = 0;
	const char *junit = NULL, *out = NULL, *seeds = NULL, *profile_file = NULL;
	struct profile prof;
	bool have_prof = false;
	char seed[32] = "";
	enum suite_peer only;
	bool has_only = false;
	int verbosity = 0, c, rc = 0;
	char *end;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":j:vq", opts, NULL)) != -1) {
		switch (c) {
		case O_LIST: list = true; break;
		case O_FILTER: filters[nfilters++] = optarg; break;
		case 'j': {
			unsigned long n = strtoul(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > 64) {
				fprintf(stderr, "ike-conform: -j takes a number from 1 to 64, not '%s'\n",
					optarg);
				rc = 2;
				goto done;
			}
			jobs = (unsigned)n;
			break;
		}
		case O_SHARD:
			if (!run_shard_parse(optarg, &shard_k, &shard_n)) {
				fprintf(stderr, "ike-conform: --shard takes K/N with 1 <= K <= N <= 1000, "
					"not '%s'\n", optarg);
				rc = 2;
				goto done;
			}
			break;
		case O_JUNIT: junit = optarg; break;
		case O_OUT: out = optarg; break;
		case O_SEEDS: seeds = optarg; break;
		case O_SEED: {
			unsigned long long s = strtoull(optarg, &end, 0);
			if (end == optarg || *end) {
				fprintf(stderr, "ike-conform: --seed takes a number, not '%s'\n", optarg);
				rc = 2;
				goto done;
			}
			snprintf(seed, sizeof(seed), "%llu", s);
			break;
		}
		case O_FUZZ: {
			unsigned long n = strtoul(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > 10000) {
				fprintf(stderr, "ike-conform: --fuzz takes a number of variants from 1 "
					"to 10000, not '%s'\n", optarg);
				rc = 2;
				goto done;
			}
			fuzz = (unsigned)n;
			break;
		}
		case O_PEER:
			if (!suite_peer_by_name(optarg, &only)) {
				fprintf(stderr, "ike-conform: --peer takes strongswan, self or remote, "
					"not '%s'\n", optarg);
				rc = 2;
				goto done;
			}
			has_only = true;
			break;
		case O_PROFILE: profile_file = optarg; break;
		case O_TIMEOUT: {
			unsigned long n = strtoul(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > 86400) {
				fprintf(stderr, "ike-conform: --timeout takes seconds from 1 to 86400, "
					"not '%s'\n", optarg);
				rc = 2;
				goto done;
			}
			timeout = (unsigned)n;
			break;
		}
		case 'v': verbosity = 1; break;
		case 'q': verbosity = -1; break;
		case O_HELP: run_usage(stdout); goto done;
		case O_VERSION: printf("ike-conform %s\n", IKEC_VERSION); goto done;
		case ':':
			fprintf(stderr, "ike-conform: %s needs a value\n", argv[optind - 1]);
			rc = 2;
			goto done;
		default:
			fprintf(stderr, "ike-conform: unknown option '%s' (try --help)\n",
				argv[optind - 1]);
			rc = 2;
			goto done;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ike-conform: no suite file given (try --help)\n");
		rc = 2;
		goto done;
	}
	bool seeded = seed[0] != '\0';
	if (!seeded)
		snprintf(seed, sizeof(seed), "%" PRIu64, (uint64_t)time(NULL) ^ (uint64_t)getpid());
	uint64_t seed_n = strtoull(seed, NULL, 10);

	struct run_plan plan;
	struct yaml_error yerr;
	if (profile_file) {
		if (!profile_load_file(profile_file, &prof, &yerr)) {
			fprintf(stderr, "%s\n", yerr.text);
			rc = 2;
			goto done;
		}
		have_prof = true;
	}
	if (!run_plan_load(&plan, argv + optind, (size_t)(argc - optind), has_only ? &only : NULL,
			   &yerr)) {
		fprintf(stderr, "%s\n", yerr.text);
		rc = 2;
		goto done;
	}
	size_t loaded = plan.nitems;
	run_plan_filter(&plan, filters, nfilters);
	if (fuzz) {
		/* the variants of what was chosen replace it */
		struct run_plan fp;
		bool ok = run_fuzz_plan(&plan, fuzz, seed_n, &fp, &yerr);
		run_plan_free(&plan);
		if (!ok) {
			fprintf(stderr, "ike-conform: a fuzz variant did not load (a bug): %s\n",
				yerr.text);
			rc = 2;
			goto done;
		}
		plan = fp;
		loaded = plan.nitems;
	}
	if (shard_n)
		run_plan_shard(&plan, shard_k, shard_n);
	if (list) {
		for (size_t i = 0; i < plan.nitems; i++)
			printf("%s\n", plan.items[i].id);
		fprintf(stderr, "%zu of %zu cases\n", plan.nitems, loaded);
		run_plan_free(&plan);
		goto done;
	}
	bool need_ss = false, need_dev = false;
	for (size_t i = 0; i < plan.nitems; i++) {
		need_ss |= plan.items[i].c->peer == SUITE_PEER_STRONGSWAN;
		need_dev |= plan.items[i].c->peer == SUITE_PEER_REMOTE;
	}
	if (need_dev && have_prof && jobs > 1) {
		/* one device, one address of ours on its link: one case at a time */
		if (verbosity >= 0)
			printf("ike-conform: the remote peer %s takes one case at a time (-j 1)\n",
			       prof.name);
		jobs = 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ike-conform: needs root (it builds network namespaces)\n");
		rc = 3;
	} else if (need_ss && !strongswan_available()) {
		fprintf(stderr, "ike-conform: strongSwan (charon, swanctl) is not installed; "
			"make deps installs it\n");
		rc = 3;
	}
	if (rc) {
		run_plan_free(&plan);
		goto done;
	}

	char bin[PATH_MAX], work[PATH_MAX] = "/tmp/ikec-run-XXXXXX", outdir[PATH_MAX],
	     seedsdir[PATH_MAX], err[600];
	ssize_t bn = readlink("/proc/self/exe", bin, sizeof(bin) - 1);
	if (bn <= 0 || !mkdtemp(work)) {
		fprintf(stderr, "ike-conform: %s: %s\n", bn <= 0 ? "/proc/self/exe" : "mkdtemp",
			strerror(errno));
		run_plan_free(&plan);
		rc = 3;
		goto done;
	}
	bin[bn] = '\0';
	snprintf(run_tmp, sizeof(run_tmp), "%s", work);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], run_on_signal);
	struct run_opts o = { .jobs = jobs, .timeout_s = timeout, .bin = bin, .work = work };
	snprintf(o.prefix, sizeof(o.prefix), "ikec%04x", (unsigned)getpid() & 0xffff);
	if (out && !run_mkdir_abs(out, outdir, sizeof(outdir))) {
		fprintf(stderr, "ike-conform: --out %s: %s\n", out, strerror(errno));
		rc = 3;
	} else if (seeds && !run_mkdir_abs(seeds, seedsdir, sizeof(seedsdir))) {
		fprintf(stderr, "ike-conform: --seeds %s: %s\n", seeds, strerror(errno));
		rc = 3;
	} else if (!out) {
		snprintf(outdir, sizeof(outdir), "%s/cases", work);
		if (mkdir(outdir, 0755) != 0)
			rc = 3;
	}
	o.out = outdir;
	o.seeds = seeds ? seedsdir : NULL;
	o.seeded = seeded;
	o.seed = seed_n;
	o.profile = have_prof ? &prof : NULL;
	struct run_verdict *v = rc ? NULL : xcalloc(plan.nitems ? plan.nitems : 1, sizeof(*v));
	struct run_ctx x = { .plan = &plan, .o = &o, .verbosity = verbosity };
	for (size_t n = plan.nitems; n; n /= 10)
		x.width++;
	uint64_t t0 = clock_ms();
	if (!rc && verbosity >= 0)
		printf("ike-conform: %zu cases from %zu suite file%s, %u worker%s, seed %s\n",
		       plan.nitems, plan.nsuites, plan.nsuites == 1 ? "" : "s", jobs,
		       jobs == 1 ? "" : "s", seed);
	if (!rc && !run_pool(&plan, &o, v, run_done, &x, err, sizeof(err))) {
		fprintf(stderr, "ike-conform: %s\n", err);
		rc = 3;
	}
	double secs = (double)(clock_ms() - t0) / 1000.0;
	if (!rc && junit && !run_junit(&plan, &o, v, junit, seed, err, sizeof(err))) {
		fprintf(stderr, "ike-conform: %s\n", err);
		rc = 3;
	}
	if (!rc) {
		printf("ike-conform: %zu cases in %.1f s with %u worker%s: %u passed, %u failed, "
		       "%u errors, %u skipped\n", plan.nitems, secs, jobs, jobs == 1 ? "" : "s",
		       x.counts[RUN_PASS], x.counts[RUN_FAIL], x.counts[RUN_ERROR],
		       x.counts[RUN_SKIP]);
		if (junit)
			printf("ike-conform: JUnit report in %s\n", junit);
		if (out)
			printf("ike-conform: artifacts in %s\n", outdir);
		if (seeds)
			printf("ike-conform: seeds in %s\n", seedsdir);
		if (fuzz)
			run_reproducers(&plan, v, out ? outdir : NULL, seed);
		/* last, in the form CI log readers count (errors are failures) */
		printf("ike-conform: %u passed, %u failed, %u skipped\n", x.counts[RUN_PASS],
		       x.counts[RUN_FAIL] + x.counts[RUN_ERROR], x.counts[RUN_SKIP]);
		rc = x.counts[RUN_FAIL] || x.counts[RUN_ERROR] ? 1 : 0;
	}
	/* anything a worker could not remove (it was killed mid-way) */
	unsigned gone = 0;
	if (!netns_cleanup_prefix(o.prefix, NULL, NULL, &gone, err, sizeof(err)))
		fprintf(stderr, "ike-conform: cleanup: %s\n", err);
	cli_rm_rf(work);
	run_tmp[0] = '\0';
	free(v);
	run_plan_free(&plan);
done:
	if (have_prof)
		profile_free(&prof);
	free(filters);
	return rc;
}
