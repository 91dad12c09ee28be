/* The suite runner: suite files into a plan of cases (filtered, sharded),
 * each case judged against its expectations, and a pool of workers that
 * run them.
 *
 *   files --run_plan_load--> plan (cases with ids)
 *         --run_plan_filter / run_plan_shard--> the cases to run
 *         --run_pool--> one worker process per slot, each with its own
 *                       namespaces and peers; a case at a time
 *         --run_judge--> verdicts, handed to the caller as they come
 *
 * A worker that crashes or outlives the case's timeout is killed and its
 * namespaces and processes removed; that case fails, the next case gets a
 * fresh worker, and nothing else is touched. */
#ifndef IKEC_RUN_RUN_H
#define IKEC_RUN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/prof.h"
#include "ike/engine.h"
#include "case/case.h"
#include "suite/profile.h"
#include "suite/suite.h"

/* ---- the plan ---- */

struct run_item {
	const struct suite *suite;
	const struct suite_case *c;
	char id[300];             /* "hagle@self/psk-aes128-sha1-g14" */
	char group[160];          /* the JUnit testsuite: "hagle" or "hagle@self" */
	const char *text;         /* fuzz: the case as a standalone suite file */
};

struct run_plan {
	struct suite *suites;
	size_t nsuites;
	struct run_item *items;
	size_t nitems;
	char **texts;             /* fuzz: the items' files (owned) */
	size_t ntexts;
};

/* Load every file (only: --peer, NULL keeps each file's peers). False
 * with err (file:line:col: what) at the first bad file; the plan is then
 * empty and run_plan_free on it safe. */
bool run_plan_load(struct run_plan *p, char *const *files, size_t n, const enum suite_peer *only,
		   struct yaml_error *err);
void run_plan_free(struct run_plan *p);
/* Keep the cases whose id (or bare case name) matches one of the
 * fnmatch(3) patterns. */
void run_plan_filter(struct run_plan *p, char *const *patterns, size_t n);
/* Keep slice k of n (1 <= k <= n), chosen by a hash of the id, so each
 * case lands in the same slice whatever else the files hold. */
void run_plan_shard(struct run_plan *p, unsigned k, unsigned n);
/* The slice of an id (1..n). */
unsigned run_shard_of(const char *id, unsigned n);
/* "3/8" into k, n; false when malformed or out of range. */
bool run_shard_parse(const char *s, unsigned *k, unsigned *n);

/* ---- fuzz mode ---- */

/* N variants of each planned case per message the harness sends in its
 * standard exchange, each a standalone suite file (item.text) with its
 * own seed: 1-3 mutations (one catalog entry at most, field overrides,
 * bit flips, truncation, bytes appended, unknown payloads), then 1.5 s in
 * which anything goes; the verdict is that the script got there and the
 * peer is alive afterwards (expect: survives). The same seed gives the
 * same files and, through crypto/rand.h, the same random values. False
 * with err when a variant does not load (a bug: the files are ours). */
bool run_fuzz_plan(const struct run_plan *base, unsigned n, uint64_t seed, struct run_plan *out,
		   struct yaml_error *err);
/* The messages of a case's standard exchange that the harness sends. */
size_t run_fuzz_messages(const struct suite_case *c, enum ike_kind *out, size_t max);
/* One variant's case (a list item under cases:) into f. */
void run_fuzz_variant(FILE *f, const struct run_item *it, enum ike_kind t, unsigned k,
		      uint64_t seed);
/* A variant's seed: from the run's and its name. */
uint64_t run_fuzz_seed(uint64_t seed, const char *name);

/* ---- verdicts ---- */

enum run_status {
	RUN_PASS,
	RUN_FAIL,                 /* the peer or the engine did not do what the case expects */
	RUN_ERROR,                /* the case could not be run (setup, crash, timeout) */
	RUN_SKIP,                 /* not run, with the reason */
};
const char *run_status_name(enum run_status s);

#define RUN_MAX_PROPS 20

struct run_verdict {
	enum run_status status;
	uint64_t ms;              /* the whole case */
	char what[64];            /* the check that failed ("established", "notify") */
	char expected[160], seen[400]; /* for a failure: expected vs seen */
	char why[2400];           /* one paragraph: what happened */
	size_t nprops;
	char props[RUN_MAX_PROPS][2][96]; /* name, value: negotiated transforms ... */
	uint64_t phase_us[PROF_COUNT];    /* where the case's time went (core/prof.h) */
	uint64_t rss_kb;          /* the worker's peak RSS so far, its peer's processes
				     included (the sum of their high-water marks) */
};

/* The case's expectations against what case_run saw. ran false:
 * err says why it could not run. */
void run_judge(const struct suite_case *c, bool harness_initiated, const struct case_result *r,
	       struct run_verdict *v);
void run_verdict_prop(struct run_verdict *v, const char *name, const char *value);

/* Room for a case's script in the engine's terms. */
#define RUN_MAX_SCRIPT 64
#define RUN_MAX_MUT 256

/* A case's script in the engine's terms. False with err (the step's
 * line:col and why) when a step cannot be run. mut holds the mutations
 * (at least as many as the script has). */
bool run_script(const struct suite_case *c, struct ike_step *steps, size_t max, size_t *n,
		struct ike_mutation *mut, size_t maxmut, char *err, size_t errlen);

/* ---- the pool ---- */

#define RUN_JOBS_AUTO 0

struct run_opts {
	unsigned jobs;            /* workers at once (>= 1), or RUN_JOBS_AUTO: one per
				     core, more while the machine is idle (the cases
				     mostly wait) */
	uint32_t timeout_s;       /* per case */
	const char *bin;          /* ike-conform itself (the self peer, probes) */
	const char *work;         /* the run's folder: peers, PKI (absolute) */
	const char *out;          /* artifacts root: <out>/<group>/<case>/ (absolute) */
	const char *seeds;        /* fuzz corpus folder (NULL: none) */
	bool seeded;              /* --seed: each case's random values from seed
				     and its id (a case's own seed: wins) */
	uint64_t seed;
	char prefix[24];          /* namespaces: <prefix>w<slot>-... */
	const struct profile *profile; /* --profile: the remote peer's device */
};

/* Told of each case as it ends, in the order they end. */
typedef void (*run_done_fn)(void *ctx, size_t item, const struct run_verdict *v);

/* Run the plan's items; verdicts land in out[item]. False with err when
 * the run could not start (no PKI, no namespaces); a case that goes wrong
 * is a verdict, not a false. */
bool run_pool(const struct run_plan *p, const struct run_opts *o, struct run_verdict *out,
	      run_done_fn done, void *ctx, char *err, size_t errlen);
/* The workers the last run_pool had at its largest. */
unsigned run_pool_jobs_used(void);
/* The case's artifact folder (made by the worker). */
void run_case_dir(const struct run_opts *o, const struct run_item *it, char *buf, size_t len);
/* A case name as a connection name the peers take: [a-z0-9-]. */
void run_conn_name(const char *in, char *out, size_t len);
/* Stop every worker now and remove what they made (a signal handler may
 * call it: kill and the netns cleanup only). */
void run_pool_abort(void);

#endif
