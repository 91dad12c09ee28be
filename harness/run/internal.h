/* Shared by the files of harness/run/ (internal: not for other modules).
 *
 *   plan.c    suite files into the plan (filter, shard)
 *   fuzz.c    fuzz variants of a plan
 *   pool.c    the parent: one worker per slot, cases handed out, verdicts
 *             collected, timeouts and crashes
 *   worker.c  a worker process: topology and peers kept across cases, one
 *             case at a time through case_run, the peer checked after it
 *   spec.c    a suite case as a case_spec
 *   judge.c   expectations against what case_run saw
 *   script.c  suite scripts into engine steps */
#ifndef IKEC_RUN_INTERNAL_H
#define IKEC_RUN_INTERNAL_H

#include "case/env.h"
#include "run/run.h"

/* The index that tells a worker to go. */
#define RUN_QUIT UINT32_MAX

/* mkdir -p. */
bool run_mkdirs(const char *path);
/* All of n bytes, through EINTR; false at EOF or an error. */
bool run_write_all(int fd, const void *p, size_t n);
bool run_read_all(int fd, void *p, size_t n);

/* ---- worker.c ---- */

/* A worker's life: cases by index from in, verdicts to out, then its
 * teardown; never returns. base: the parent's env (its PKI shared). */
void run_worker_main(const struct run_plan *p, const struct run_opts *o,
		     const struct case_env *base, unsigned slot, int in, int out)
	__attribute__((noreturn));

/* ---- spec.c ---- */

/* A suite case's spec with the room its pointers point into. */
struct run_spec {
	struct case_spec sp;
	struct ike_p1_xform p1, peer_p1[IKE_MAX_PROPOSALS];
	char name[128];               /* the connection name */
	struct ike_step steps[RUN_MAX_SCRIPT];
	size_t nsteps;
	struct ike_mutation *mut;     /* RUN_MAX_MUT of them */
	struct ike_id ids[4];         /* each side's local_id and remote_id */
};
/* c's spec in rs (remote: toward the profile's device; dir: the case's
 * artifacts). False with err when its script cannot run (run_spec_free
 * still applies). */
bool run_spec_of(struct run_spec *rs, const struct suite_case *c, const struct case_env *env,
		 const struct run_opts *o, bool remote, const char *dir, char *err, size_t errlen);
void run_spec_free(struct run_spec *rs);
/* What a case's mutated datagrams are named after in the seeds. */
const char *run_seeds_label(const struct suite_case *c);
/* How much of a case its peer can run here: all of it; Phase 1 only (a
 * driver whose children go only into the kernel's ESP, on a kernel
 * without ESP: *reduced is the case without its child and traffic, why
 * says so); or none (why says which child check needs the kernel). */
/* Whether the peer can hold a child here (false with the kernel's reason). */
bool run_scope_children(enum suite_peer peer, char *why, size_t len);
enum run_scope { RUN_SCOPE_FULL, RUN_SCOPE_PHASE1, RUN_SCOPE_SKIP };
enum run_scope run_scope_of(const struct suite_case *c, struct suite_case *reduced, char *why,
			    size_t len);
/* A suite's yes/no/default as a per-side switch. */
enum case_tri run_tri(uint8_t suite_tri);

#endif
