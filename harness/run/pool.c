/* The worker pool (run/run.h).
 *
 *   parent ──index──> worker 1 (namespaces <prefix>w1-*, its charon, its self peer)
 *          <─verdict─
 *          ──index──> worker 2 ...
 *
 * A worker is a forked process that keeps its topology and peers from case
 * to case (building them is the slow part); the parent hands it one case
 * at a time and keeps the clock. A worker that dies or overstays is killed
 * with everything in its namespaces, the case is an error, and the next
 * case starts a fresh worker. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "core/clock.h"
#include "core/log.h"
#include "crypto/rand.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "peers/remote/remote.h"
#include "wire/msg.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"
#include "run/internal.h"

#define RUN_MAX_JOBS 64
/* -j auto: workers per core at most, and the idle share of the machine
 * above which one more is started (once a second). */
#define RUN_AUTO_PER_CORE 4
#define RUN_AUTO_MAX 16
#define RUN_AUTO_IDLE 0.35
#define RUN_AUTO_WORKER_MB 64   /* MemAvailable kept per worker (one uses about 25) */

struct run_slot {
	pid_t pid;                /* 0: not running */
	int to, from;             /* pipes to and from the worker */
	size_t item;              /* the case it runs */
	bool busy;
	uint64_t started;         /* when it was handed the case */
	struct run_verdict v;     /* being read */
	size_t got;
};

/* For run_pool_abort (a signal handler): plain arrays, no allocation. */
static volatile pid_t run_pids[RUN_MAX_JOBS];

void run_pool_abort(void)
{
	for (size_t i = 0; i < RUN_MAX_JOBS; i++)
		if (run_pids[i] > 0)
			kill(run_pids[i], SIGTERM);
	for (size_t i = 0; i < RUN_MAX_JOBS; i++)
		if (run_pids[i] > 0) {
			waitpid(run_pids[i], NULL, 0);
			run_pids[i] = 0;
		}
}

void run_case_dir(const struct run_opts *o, const struct run_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", o->out, it->group, it->c->name);
}

bool run_mkdirs(const char *path)
{
	char tmp[1200];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *q = tmp + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return false;
		*q = '/';
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

bool run_write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	while (n) {
		ssize_t k = write(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		q += k;
		n -= (size_t)k;
	}
	return true;
}

bool run_read_all(int fd, void *p, size_t n)
{
	char *q = p;
	while (n) {
		ssize_t k = read(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		q += k;
		n -= (size_t)k;
	}
	return true;
}

/* ---- the parent ---- */

static bool run_slot_start(struct run_slot *s, unsigned k, const struct run_plan *p,
			   const struct run_opts *o, const struct case_env *env)
{
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) != 0)
		return false;
	if (pipe2(b, O_CLOEXEC) != 0) {
		close(a[0]);
		close(a[1]);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(a[0]), close(a[1]), close(b[0]), close(b[1]);
		return false;
	}
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		run_worker_main(p, o, env, k + 1, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	s->pid = pid;
	run_pids[k] = pid;
	s->to = a[1];
	s->from = b[0];
	s->busy = false;
	s->got = 0;
	return true;
}

/* A worker that died or overstayed: gone, with its namespaces. */
static void run_slot_reap(struct run_slot *s, unsigned k, const struct run_opts *o, bool kill_it,
			  int *status)
{
	if (kill_it)
		kill(s->pid, SIGKILL);
	*status = 0;
	while (waitpid(s->pid, status, 0) < 0 && errno == EINTR)
		;
	close(s->to);
	close(s->from);
	char prefix[40], err[300];
	snprintf(prefix, sizeof(prefix), "%sw%u", o->prefix, k + 1);
	unsigned n = 0;
	if (!netns_cleanup_prefix(prefix, NULL, NULL, &n, err, sizeof(err)))
		log_warn("worker %u: cleanup: %s", k + 1, err);
	s->pid = 0;
	run_pids[k] = 0;
	s->busy = false;
}

static void run_slot_lost(struct run_slot *s, unsigned k, const struct run_opts *o,
			  bool timeout, struct run_verdict *out, run_done_fn done, void *ctx)
{
	size_t item = s->item;
	bool busy = s->busy;
	uint64_t started = s->started;
	int st;
	run_slot_reap(s, k, o, true, &st);
	if (!busy)
		return;
	struct run_verdict *v = &out[item];
	memset(v, 0, sizeof(*v));
	v->status = RUN_ERROR;
	v->ms = clock_ms() - started;
	if (timeout)
		snprintf(v->why, sizeof(v->why), "timed out after %u s: the worker was killed with "
			 "everything in its namespaces", o->timeout_s);
	else if (WIFSIGNALED(st))
		snprintf(v->why, sizeof(v->why), "the worker crashed (signal %d, %s) during the case",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(v->why, sizeof(v->why), "the worker exited (status %d) during the case",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	done(ctx, item, v);
}

/* One test PKI for every worker (key generation is slow), in the run's
 * folder. */
static bool run_pool_env(const struct run_opts *o, struct case_env *env, char *err,
			 size_t errlen)
{
	memset(env, 0, sizeof(*env));
	char pki[1200];
	snprintf(pki, sizeof(pki), "%s/pki", o->work);
	if (!run_mkdirs(pki)) {
		snprintf(err, errlen, "cannot make %s: %s", pki, strerror(errno));
		return false;
	}
	snprintf(env->dir, sizeof(env->dir), "%s", o->work);
	return case_env_pki(env, o->work, err, errlen);
}

/* One side's named credential, made now (before any worker forks: making
 * one draws from the random stream) unless it is a default host. */
static bool run_pool_cred(struct case_env *env, const char *cert, const char *host,
			  uint16_t auth, char *err, size_t errlen)
{
	char name[64];
	const char *n = cert ? cert : pki_cred_name_for(host, auth, name, sizeof(name));
	struct pki_err pe;
	if (pki_testpki_host(env->pki, n) || pki_testpki_cred(env->pki, n, &pe))
		return true;
	snprintf(err, errlen, "test PKI: %s: %s", n, pe.msg);
	return false;
}

/* Every credential the plan's signature cases name or imply, both sides. */
static bool run_pool_creds(const struct run_plan *p, struct case_env *env, char *err,
			   size_t errlen)
{
	for (size_t i = 0; i < p->nitems; i++) {
		const struct suite_case *c = p->items[i].c;
		if (!ike_auth_is_sig(c->auth))
			continue;
		if (!run_pool_cred(env, c->ident.cert, "moon", c->auth, err, errlen) ||
		    !run_pool_cred(env, c->peer_config.ident.cert, "sun", c->auth, err, errlen))
			return false;
	}
	return true;
}

/* The pool's state between its steps. */
struct run_pool_state {
	const struct run_plan *p;
	const struct run_opts *o;
	const struct case_env *env;
	struct run_slot slots[RUN_MAX_JOBS];
	unsigned jobs;            /* slots in use */
	unsigned jobs_max;        /* -j auto: up to this many; else jobs */
	uint64_t cpu_busy, cpu_all, cpu_at; /* /proc/stat at the last look */
	size_t next, finished;
	uint64_t timeout_ms;
	struct run_verdict *out;
	run_done_fn done;
	void *ctx;
};

/* The next cases to every idle slot, starting its worker when it has
 * none. False with err when no worker can be started. */
static bool run_pool_hand(struct run_pool_state *ps, uint64_t now, char *err, size_t errlen)
{
	for (unsigned k = 0; k < ps->jobs && ps->next < ps->p->nitems; k++) {
		struct run_slot *s = &ps->slots[k];
		if (s->busy)
			continue;
		if (!s->pid && !run_slot_start(s, k, ps->p, ps->o, ps->env)) {
			snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
			return false;
		}
		uint32_t idx = (uint32_t)ps->next;
		if (!run_write_all(s->to, &idx, sizeof(idx))) {
			s->busy = false;  /* died before it took the case */
			int st;
			run_slot_reap(s, k, ps->o, true, &st);
			continue;
		}
		s->item = ps->next++;
		s->busy = true;
		s->got = 0;
		s->started = now;
	}
	return true;
}

/* Until a busy worker says something or the first timeout is due. */
static bool run_pool_wait(struct run_pool_state *ps, uint64_t now, struct pollfd *pf,
			  char *err, size_t errlen)
{
	int wait = 1000;
	for (unsigned k = 0; k < ps->jobs; k++) {
		const struct run_slot *s = &ps->slots[k];
		pf[k].fd = s->busy ? s->from : -1;
		pf[k].events = POLLIN;
		pf[k].revents = 0;
		if (s->busy) {
			uint64_t end = s->started + ps->timeout_ms;
			int left = end > now ? (int)(end - now) : 0;
			wait = left < wait ? left : wait;
		}
	}
	if (poll(pf, ps->jobs, wait) < 0 && errno != EINTR) {
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Verdicts read as they come (a worker may write one in pieces), and the
 * workers that died or overstayed. */
static void run_pool_collect(struct run_pool_state *ps, const struct pollfd *pf, uint64_t now)
{
	for (unsigned k = 0; k < ps->jobs; k++) {
		struct run_slot *s = &ps->slots[k];
		if (!s->busy)
			continue;
		if (pf[k].revents) {
			ssize_t n = read(s->from, (char *)&s->v + s->got, sizeof(s->v) - s->got);
			if (n > 0) {
				s->got += (size_t)n;
				if (s->got == sizeof(s->v)) {
					ps->out[s->item] = s->v;
					s->busy = false;
					ps->finished++;
					ps->done(ps->ctx, s->item, &ps->out[s->item]);
				}
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			run_slot_lost(s, k, ps->o, false, ps->out, ps->done, ps->ctx);
			ps->finished++;
		} else if (now >= s->started + ps->timeout_ms) {
			run_slot_lost(s, k, ps->o, true, ps->out, ps->done, ps->ctx);
			ps->finished++;
		}
	}
}

/* Every worker told to go; one that does not tear down in time is made to. */
static void run_pool_quit(struct run_pool_state *ps)
{
	for (unsigned k = 0; k < ps->jobs; k++) {
		struct run_slot *s = &ps->slots[k];
		if (!s->pid)
			continue;
		uint32_t quit = RUN_QUIT;
		run_write_all(s->to, &quit, sizeof(quit));
		/* a worker tears down in well under this; then it is made to */
		uint64_t limit = clock_ms() + 30000;
		int st;
		while (waitpid(s->pid, &st, WNOHANG) == 0 && clock_ms() < limit)
			usleep(10000);
		run_slot_reap(s, k, ps->o, true, &st);
	}
}

/* The machine's CPU time, busy and all, from /proc/stat (jiffies). */
static bool run_cpu_times(uint64_t *busy, uint64_t *all)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = { 0 };
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]) : 0;
	if (f)
		fclose(f);
	if (n < 5)
		return false;
	*all = 0;
	for (int i = 0; i < 8; i++)
		*all += v[i];
	*busy = *all - v[3] - v[4];  /* less idle and iowait */
	return true;
}

static unsigned run_mem_available_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long kb = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (unsigned)(kb / 1024);
}

static unsigned run_auto_jobs_max(const struct run_plan *p)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned max = (unsigned)(cores > 0 ? cores : 1) * RUN_AUTO_PER_CORE;
	unsigned mem = run_mem_available_mb() / RUN_AUTO_WORKER_MB;
	if (max > RUN_AUTO_MAX)
		max = RUN_AUTO_MAX;
	if (mem && max > mem)
		max = mem;
	if (max > p->nitems)
		max = p->nitems ? (unsigned)p->nitems : 1;
	return max ? max : 1;
}

/* -j auto: one worker per core to start with, one more each second the
 * machine was idle for more than RUN_AUTO_IDLE of it while cases wait
 * (the cases are waiting on windows, not computing). A machine busy
 * with other work gets no more workers. */
static void run_pool_grow(struct run_pool_state *ps, uint64_t now)
{
	if (ps->jobs >= ps->jobs_max || now < ps->cpu_at + 1000)
		return;
	uint64_t busy, all;
	if (!run_cpu_times(&busy, &all))
		return;
	bool idle = ps->cpu_at && all > ps->cpu_all &&
		    (double)(busy - ps->cpu_busy) / (double)(all - ps->cpu_all) < 1.0 - RUN_AUTO_IDLE;
	size_t waiting = ps->p->nitems - ps->next;
	if (idle && waiting > 0)
		ps->jobs++;
	ps->cpu_busy = busy;
	ps->cpu_all = all;
	ps->cpu_at = now;
}

static unsigned run_pool_jobs_seen;

unsigned run_pool_jobs_used(void)
{
	return run_pool_jobs_seen;
}

bool run_pool(const struct run_plan *p, const struct run_opts *o, struct run_verdict *out,
	      run_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct case_env env;
	if (!run_pool_env(o, &env, err, errlen))
		return false;
	if (!run_pool_creds(p, &env, err, errlen)) {
		pki_testpki_free(env.pki);
		return false;
	}
	struct run_pool_state *ps = xcalloc(1, sizeof(*ps));
	*ps = (struct run_pool_state){ .p = p, .o = o, .env = &env, .out = out, .done = done,
				       .ctx = ctx, .timeout_ms = (uint64_t)o->timeout_s * 1000 };
	unsigned jobs = o->jobs > RUN_MAX_JOBS ? RUN_MAX_JOBS : o->jobs;
	if (o->jobs == RUN_JOBS_AUTO) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		ps->jobs_max = run_auto_jobs_max(p);
		jobs = cores > 0 ? (unsigned)cores : 1;
	}
	if (jobs > p->nitems)
		jobs = p->nitems ? (unsigned)p->nitems : 1;
	ps->jobs = jobs ? jobs : 1;
	if (ps->jobs_max < ps->jobs)
		ps->jobs_max = ps->jobs;
	bool ok = true;
	while (ok && ps->finished < p->nitems) {
		struct pollfd pf[RUN_MAX_JOBS];
		run_pool_grow(ps, clock_ms());
		ok = run_pool_hand(ps, clock_ms(), err, errlen) &&
		     run_pool_wait(ps, clock_ms(), pf, err, errlen);
		if (ok)
			run_pool_collect(ps, pf, clock_ms());
	}
	run_pool_jobs_seen = ps->jobs;
	run_pool_quit(ps);
	free(ps);
	pki_testpki_free(env.pki);
	return ok;
}
