/* The suite runner through the real binary (`ike-conform [run]`, IKEC_BIN):
 * usage and suite-file errors, --list with --filter and --peer, --shard
 * slices, a real run of suites/smoke.yaml against strongSwan and self
 * (progress lines, JUnit against tests/junit/junit.xsd, artifacts, seeds,
 * every capture through tshark with its key tables), failure verdicts, and
 * isolation: a timeout, a crashed worker and Ctrl-C, each with nothing
 * left behind (the run's namespaces, its processes, its /tmp/ikec-run-*).
 *
 * The test process is a child subreaper, so whatever a run leaves running
 * comes back to it and is found; the run's work folder is learnt from its
 * processes while it runs (the self peer's command line, charon's
 * STRONGSWAN_CONF), so only this run's leftovers are judged, whatever
 * other runs share the machine. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "core/chunk.h"
#include "core/clock.h"
#include "peers/strongswan/strongswan.h"
#include "wire/msg.h"
#include "peers/self/self.h"
#include "tests.h"

#define TR_SEEN 16

/* ---- paths and the environment ---- */

static const char *tr_bin(void)
{
	const char *bin = getenv("IKEC_BIN");
	return bin && *bin && access(bin, X_OK) == 0 ? bin : NULL;
}

/* Why the binary cannot run cases here, or NULL. */
static const char *tr_live_why(void)
{
	if (!tr_bin())
		return "no ike-conform binary (IKEC_BIN; run through make check)";
	if (geteuid() != 0)
		return "needs root (network namespaces)";
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	int st = 1;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return "unshare(CLONE_NEWNET) is not permitted here";
	return NULL;
}

static char *tr_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	ssize_t k;
	while ((k = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (cap - n < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void tr_rmdir(const char *dir)
{
	if (dir && *dir && !getenv("IKEC_RUNNER_KEEP"))
		test_rm_tree(dir);
}

static void tr_mkdtemp(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/ikectest-runner-XXXXXX");
	ck_assert_msg(mkdtemp(buf), "mkdtemp: %s", strerror(errno));
}

/* snprintf that fails the test rather than truncate. */
static void tr_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tr_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < len, "a path too long for %zu bytes: %s", len, buf);
}

static bool tr_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- processes ---- */

/* The children of pid (every thread's), up to max. */
static size_t tr_children(pid_t pid, pid_t *out, size_t max)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char cp[128];
		tr_fmt(cp, sizeof(cp), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		char *text = tr_slurp(cp, NULL);
		for (char *s = text, *end; s && *s; s = end) {
			long v = strtol(s, &end, 10);
			if (end == s)
				break;
			if (n < max)
				out[n++] = (pid_t)v;
		}
		free(text);
	}
	if (d)
		closedir(d);
	return n;
}

/* Every descendant of pid, breadth first. */
static size_t tr_descendants(pid_t pid, pid_t *out, size_t max)
{
	size_t n = tr_children(pid, out, max);
	for (size_t i = 0; i < n && n < max; i++)
		n += tr_children(out[i], out + n, max - n);
	return n;
}

/* /proc/PID/<what> with its NULs made spaces (a new string, or NULL). */
static char *tr_proc_text(pid_t pid, const char *what)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	size_t n = 0;
	char *t = tr_slurp(path, &n);
	for (size_t i = 0; t && i < n; i++)
		if (!t[i])
			t[i] = ' ';
	return t;
}

/* Where a process's open files are ("path path ..."): a forked self peer
 * names the work folder only through its log and state files. */
static char *tr_proc_fds(pid_t pid)
{
	char dir[64], path[400], target[512];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	size_t cap = 4096, n = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	struct dirent *e;
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t k = readlink(path, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		if (n + (size_t)k + 2 > cap)
			out = xrealloc(out, cap = 2 * cap + (size_t)k);
		n += (size_t)snprintf(out + n, cap - n, "%s ", target);
	}
	if (d)
		closedir(d);
	return out;
}

static pid_t tr_ppid(pid_t pid)
{
	char *st = tr_proc_text(pid, "stat");
	char *rp = st ? strrchr(st, ')') : NULL;
	int ppid = 0;
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	free(st);
	return (pid_t)ppid;
}

/* ---- one run of the binary ---- */

struct tr_run {
	pid_t pid;
	char dir[64];             /* its stdout and stderr */
	char prefix[24];          /* its namespaces: ikec%04x (harness/cli/run.c) */
	int status;
	uint64_t t0, ms;
	char *out, *err;
	char work[TR_SEEN][32];   /* /tmp/ikec-run-XXXXXX its processes named */
	size_t nwork;
	char topo[TR_SEEN][40];   /* w<slot>-<runid>: each a worker's topology */
	size_t ntopo;
};

static void tr_note(char (*set)[40], size_t *n, size_t width, const char *s, size_t len)
{
	if (len >= width)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strlen(set[i]) == len && !memcmp(set[i], s, len))
			return;
	if (*n < TR_SEEN) {
		memcpy(set[*n], s, len);
		set[(*n)++][len] = '\0';
	}
}

static void tr_note_work(struct tr_run *r, const char *text)
{
	static const char key[] = "/tmp/ikec-run-";
	for (const char *p = text; p && (p = strstr(p, key)); p += sizeof(key) - 1) {
		size_t len = sizeof(key) - 1;
		while ((p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z') ||
		       (p[len] >= '0' && p[len] <= '9'))
			len++;
		if (len != sizeof(key) - 1 + 6)
			continue;
		bool have = false;
		for (size_t i = 0; i < r->nwork; i++)
			have |= !strncmp(r->work[i], p, len);
		if (!have && r->nwork < TR_SEEN) {
			memcpy(r->work[r->nwork], p, len);
			r->work[r->nwork++][len] = '\0';
		}
	}
}

/* What the run has made so far: its work folder, its topologies. */
static void tr_watch(struct tr_run *r)
{
	pid_t d[256];
	size_t n = tr_descendants(r->pid, d, 256);
	for (size_t i = 0; i < n; i++) {
		char *cmd = tr_proc_text(d[i], "cmdline"), *env = tr_proc_text(d[i], "environ");
		char *fds = tr_proc_fds(d[i]);
		tr_note_work(r, cmd);
		tr_note_work(r, env);
		tr_note_work(r, fds);
		free(cmd);
		free(env);
		free(fds);
	}
	DIR *nd = opendir("/run/netns");
	struct dirent *e;
	size_t plen = strlen(r->prefix);
	while (nd && (e = readdir(nd))) {
		if (strncmp(e->d_name, r->prefix, plen) || e->d_name[plen] != 'w')
			continue;
		/* <prefix>w1-c98969-h: the part up to the role */
		const char *s = e->d_name + plen, *dash = strchr(s, '-');
		const char *dash2 = dash ? strchr(dash + 1, '-') : NULL;
		if (dash2)
			tr_note(r->topo, &r->ntopo, sizeof(r->topo[0]), s, (size_t)(dash2 - s));
	}
	if (nd)
		closedir(nd);
}

/* argv[0] may be the binary or another program (setpriv); group: the run
 * gets its own process group (a terminal's Ctrl-C reaches all of it). */
static void tr_start(struct tr_run *r, const char *const *argv, bool group)
{
	memset(r, 0, sizeof(*r));
	tr_mkdtemp(r->dir, sizeof(r->dir));
	char op[128], ep[128];
	snprintf(op, sizeof(op), "%s/stdout", r->dir);
	snprintf(ep, sizeof(ep), "%s/stderr", r->dir);
	fflush(stdout);
	fflush(stderr);
	r->t0 = clock_ms();
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		if (group)
			setpgid(0, 0);
		int in = open("/dev/null", O_RDONLY), o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644),
		    e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	snprintf(r->prefix, sizeof(r->prefix), "ikec%04x", (unsigned)r->pid & 0xffff);
}

static bool tr_poll(struct tr_run *r)
{
	pid_t w = waitpid(r->pid, &r->status, WNOHANG);
	if (w == r->pid) {
		r->ms = clock_ms() - r->t0;
		return true;
	}
	tr_watch(r);
	return false;
}

/* Wait for the run (at most limit_ms: then it is killed and the test
 * fails), read its output. */
static void tr_wait(struct tr_run *r, uint64_t limit_ms)
{
	while (!tr_poll(r)) {
		if (clock_ms() - r->t0 > limit_ms) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &r->status, 0);
			char p[128];
			snprintf(p, sizeof(p), "%s/stdout", r->dir);
			char *o = tr_slurp(p, NULL);
			ck_abort_msg("the run did not end in %llu ms:\n%s", (unsigned long long)limit_ms,
				     o ? o : "");
		}
		usleep(20000);
	}
	char p[128];
	snprintf(p, sizeof(p), "%s/stdout", r->dir);
	r->out = tr_slurp(p, NULL);
	snprintf(p, sizeof(p), "%s/stderr", r->dir);
	r->err = tr_slurp(p, NULL);
	ck_assert(r->out && r->err);
}

static void tr_free(struct tr_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	tr_rmdir(r->dir);
}

/* Run to the end; the exit status (-1: killed by a signal). */
static int tr_exec(struct tr_run *r, const char *const *argv)
{
	tr_start(r, argv, false);
	tr_wait(r, 120000);
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

static void tr_add(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tr_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t at = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (at < len)
		vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
}

/* What the run left behind, said in left (empty: nothing): a namespace
 * with its prefix, a work folder it used, a process of it (orphans come
 * back to us, the subreaper; they are killed once seen), a process
 * anywhere that names its work folder (charon's STRONGSWAN_CONF, the self
 * peer's --config). */
static void tr_leftovers(struct tr_run *r, char *left, size_t len)
{
	left[0] = '\0';
	DIR *nd = opendir("/run/netns");
	struct dirent *e;
	while (nd && (e = readdir(nd)))
		if (!strncmp(e->d_name, r->prefix, strlen(r->prefix)))
			tr_add(left, len, "namespace %s; ", e->d_name);
	if (nd)
		closedir(nd);
	for (size_t i = 0; i < r->nwork; i++)
		if (tr_exists(r->work[i]))
			tr_add(left, len, "folder %s; ", r->work[i]);
	/* reap the dead, wait a little for the dying */
	pid_t kids[64];
	size_t nk = 0;
	for (uint64_t t = clock_ms(); clock_ms() - t < 3000; usleep(20000)) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!(nk = tr_children(getpid(), kids, 64)))
			break;
	}
	for (size_t i = 0; i < nk; i++) {
		char *cmd = tr_proc_text(kids[i], "cmdline");
		tr_add(left, len, "process %d (%s); ", (int)kids[i], cmd ? cmd : "?");
		free(cmd);
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	DIR *pd = opendir("/proc");
	while (r->nwork && pd && (e = readdir(pd))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		char *cmd = tr_proc_text(pid, "cmdline"), *env = tr_proc_text(pid, "environ");
		char *fds = tr_proc_fds(pid);
		for (size_t i = 0; i < r->nwork; i++)
			if ((cmd && strstr(cmd, r->work[i])) || (env && strstr(env, r->work[i])) ||
			    strstr(fds, r->work[i]))
				tr_add(left, len, "process %d naming %s (%s); ", (int)pid, r->work[i],
				       cmd ? cmd : "?");
		free(cmd);
		free(env);
		free(fds);
	}
	if (pd)
		closedir(pd);
}

static void tr_assert_clean(struct tr_run *r, const char *what)
{
	char left[4096];
	tr_leftovers(r, left, sizeof(left));
	ck_assert_msg(!left[0], "%s: left behind: %s", what, left);
}

/* Wait until the run's worker has its self peer running (the case is
 * under way); the worker's pid. */
static pid_t tr_wait_worker(struct tr_run *r, uint64_t limit_ms)
{
	for (;;) {
		ck_assert_msg(!tr_poll(r), "the run ended before its worker started a peer");
		pid_t d[256];
		size_t n = tr_descendants(r->pid, d, 256);
		for (size_t i = 0; i < n; i++) {
			/* executed (`ike-conform peer --config`) or forked by the driver */
			char *cmd = tr_proc_text(d[i], "cmdline"), *comm = tr_proc_text(d[i], "comm");
			bool peer = (cmd && strstr(cmd, " peer --config ")) ||
				    (comm && !strncmp(comm, SELF_PROCESS_NAME, strlen(SELF_PROCESS_NAME)));
			free(cmd);
			free(comm);
			pid_t w = peer ? tr_ppid(d[i]) : 0;
			/* a forked peer names the work folder once it has opened
			   its log: not yet, right after the fork */
			char *fds = w > 0 ? tr_proc_fds(d[i]) : NULL;
			tr_note_work(r, fds);
			free(fds);
			if (w > 0 && tr_ppid(w) == r->pid && r->nwork)
				return w;
		}
		ck_assert_msg(clock_ms() - r->t0 < limit_ms, "no worker with a peer after %llu ms",
			      (unsigned long long)limit_ms);
		usleep(20000);
	}
}

/* ---- text ---- */

/* Lines of text (a copy the caller frees through *buf). */
static size_t tr_lines(const char *text, char **buf, char **lines, size_t max)
{
	*buf = xstrdup(text);
	size_t n = 0;
	for (char *s = *buf, *nl; *s && n < max; s = nl + 1) {
		lines[n++] = s;
		if (!(nl = strchr(s, '\n')))
			break;
		*nl = '\0';
	}
	return n;
}

static bool tr_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool tr_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* "[ N/T] STATUS ID 123 ms": the id (into id), or false. */
static bool tr_progress(const char *line, size_t n, size_t total, const char *status,
			char *id, size_t idlen)
{
	char want[64];
	unsigned width = 0;
	for (size_t t = total; t; t /= 10)
		width++;
	snprintf(want, sizeof(want), "[%*zu/%zu] %-5s ", (int)width, n, total, status);
	if (!tr_starts(line, want))
		return false;
	const char *s = line + strlen(want), *sp = strchr(s, ' ');
	if (!sp || (size_t)(sp - s) >= idlen || sp == s)
		return false;
	memcpy(id, s, (size_t)(sp - s));
	id[sp - s] = '\0';
	const char *d = sp + 1;
	if (*d < '0' || *d > '9')
		return false;
	while (*d >= '0' && *d <= '9')
		d++;
	return !strcmp(d, " ms");
}

/* The summary at lines[at] ("T cases in S s with J workers: P passed, F
 * failed, E errors, K skipped") and the last line, in the form CI log
 * readers count (errors are failures); the test fails otherwise. */
static void tr_summary(char **lines, size_t nl, size_t at, unsigned total, unsigned pass,
		       unsigned fail, unsigned errs, unsigned skip, const char *out)
{
	char head[64], tail[128], last[128];
	snprintf(head, sizeof(head), "ike-conform: %u cases in ", total);
	snprintf(tail, sizeof(tail), ": %u passed, %u failed, %u errors, %u skipped", pass, fail,
		 errs, skip);
	snprintf(last, sizeof(last), "ike-conform: %u passed, %u failed, %u skipped", pass,
		 fail + errs, skip);
	ck_assert_msg(at < nl && tr_starts(lines[at], head) && tr_ends(lines[at], tail),
		      "want a summary \"%s...%s\" at line %zu of:\n%s", head, tail, at, out);
	ck_assert_msg(!strcmp(lines[nl - 1], last), "want the last line \"%s\":\n%s", last, out);
}

/* ---- JUnit ---- */

#define tr_expect_xp test_expect_xpath

/* ---- 1. usage and suite errors ---- */

#define TR_SMOKE "@smoke"   /* stands for suites/smoke.yaml */

static const struct {
	const char *args[6];
	const char *err;          /* stderr, exactly; stdout stays empty */
} tr_usage[] = {
	{ { "run" }, "ike-conform: no suite file given (try --help)\n" },
	{ { "-q", "--list" }, "ike-conform: no suite file given (try --help)\n" },
	{ { "--bogus", TR_SMOKE }, "ike-conform: unknown option '--bogus' (try --help)\n" },
	{ { "run", "-x", TR_SMOKE }, "ike-conform: unknown option '-x' (try --help)\n" },
	{ { "-j", "0", TR_SMOKE }, "ike-conform: -j takes a number from 1 to 64, or auto, not '0'\n" },
	{ { "--jobs", "65", TR_SMOKE }, "ike-conform: -j takes a number from 1 to 64, or auto, not '65'\n" },
	{ { "--shard", "3/2", TR_SMOKE },
	  "ike-conform: --shard takes K/N with 1 <= K <= N <= 1000, not '3/2'\n" },
	{ { "--shard", "x", TR_SMOKE },
	  "ike-conform: --shard takes K/N with 1 <= K <= N <= 1000, not 'x'\n" },
	{ { "--shard", "0/4", TR_SMOKE },
	  "ike-conform: --shard takes K/N with 1 <= K <= N <= 1000, not '0/4'\n" },
	{ { "--timeout", "0", TR_SMOKE },
	  "ike-conform: --timeout takes seconds from 1 to 86400, not '0'\n" },
	{ { "--peer", "foo", TR_SMOKE },
	  "ike-conform: --peer takes strongswan, self or remote, not 'foo'\n" },
	{ { TR_SMOKE, "--timeout" }, "ike-conform: --timeout needs a value\n" },
	{ { "--seed", "12ab", TR_SMOKE }, "ike-conform: --seed takes a number, not '12ab'\n" },
	{ { "/nonexistent/ikec-none.yaml" },
	  "/nonexistent/ikec-none.yaml: cannot open: No such file or directory\n" },
	{ { TR_SMOKE, "/nonexistent/ikec-none.yaml" },
	  "/nonexistent/ikec-none.yaml: cannot open: No such file or directory\n" },
};

static void tr_argv(const char **argv, size_t max, const char *const *args, size_t nargs)
{
	size_t n = 0;
	argv[n++] = tr_bin();
	for (size_t i = 0; i < nargs && args[i] && n + 1 < max; i++)
		argv[n++] = !strcmp(args[i], TR_SMOKE) ? test_src_path("suites/smoke.yaml") : args[i];
	argv[n] = NULL;
}

START_TEST(test_runner_usage)
{
	if (!tr_bin()) {
		test_skip("runner usage", "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	const __typeof__(tr_usage[0]) *t = &tr_usage[_i];
	const char *argv[12];
	tr_argv(argv, 10, t->args, 6);
	struct tr_run r;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 2, "%s ...: exit %d, want 2\n%s%s", t->args[0], rc, r.out, r.err);
	ck_assert_msg(!strcmp(r.err, t->err), "%s ...: stderr\n%s\nwant\n%s", t->args[0], r.err,
		      t->err);
	ck_assert_msg(!r.out[0], "%s ...: stdout not empty:\n%s", t->args[0], r.out);
	ck_assert_uint_eq(r.ntopo, 0);
	tr_free(&r);
}
END_TEST

/* The command alone: the commands' usage on stderr, status 2. */
START_TEST(test_runner_usage_bare)
{
	if (!tr_bin()) {
		test_skip("runner usage", "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	const char *argv[] = { tr_bin(), NULL };
	struct tr_run r;
	ck_assert_int_eq(tr_exec(&r, argv), 2);
	ck_assert_msg(tr_starts(r.err, "usage: ike-conform [OPTIONS] SUITE.yaml...") &&
		      strstr(r.err, "\n  run [OPTIONS] SUITE.yaml..."), "%s", r.err);
	ck_assert_msg(!r.out[0], "%s", r.out);
	tr_free(&r);
}
END_TEST

/* Broken suite files: status 2 and the loader's one line, FILE:LINE:COL,
 * alone or after a good file (the first bad file stops the load). */
static const struct {
	const char *text, *msg;   /* msg after "FILE:" */
} tr_broken[] = {
	{ "suite: b\npeer: self\ndefaults:\n  lifetim: 1h\ncases:\n  - name: a\n",
	  "4:3: unknown key 'lifetim' (did you mean 'lifetime'?)" },
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases:\n  - name: a\n    group: 99\n",
	  "6:12: 'group' must be a number from 1 to 30 or a group name, not '99'" },
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases:\n  - name: a\n  - name: a\n",
	  "6:11: duplicate case name 'a' (first at line 5, column 11)" },
	{ "suite: b\npeer: [self, self]\ndefaults: { psk: k }\ncases:\n  - name: a\n",
	  "2:14: duplicate peer 'self' (first at line 2, column 8)" },
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases:\n  - name: a\n    script:\n"
	  "      - send: mm7\n",
	  "7:15: 'send' must be one of mm1, mm2, mm3, mm4, mm5, mm6, am1, am2, am3, qm1, qm2, "
	  "qm3, qm4, notify, delete, dpd, dpd-ack, not 'mm7' (did you mean 'mm1'?)" },
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases:\n  - name: a\n"
	  "    expect: { rejected: NO-PROPOSAL-CHOSN }\n",
	  "6:25: 'rejected' must be a notify type such as NO-PROPOSAL-CHOSEN, not "
	  "'NO-PROPOSAL-CHOSN' (did you mean 'NO-PROPOSAL-CHOSEN'?)" },
	{ "suite: b\npeer: self\ndefaults: { psk: k\ncases: []\n",
	  "4:6: did not find expected ',' or '}' (while parsing a flow mapping at line 3, "
	  "column 11)" },
};

START_TEST(test_runner_broken_suite)
{
	if (!tr_bin()) {
		test_skip("runner broken suite", "no ike-conform binary (IKEC_BIN)");
		return;
	}
	char dir[64], path[128], want[1024];
	tr_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/broken.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(tr_broken[_i].text, f);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(want, sizeof(want), "%s:%s\n", path, tr_broken[_i].msg);
	for (int twice = 0; twice < 2; twice++) {
		/* alone, then after a good file, with options that would run it */
		const char *alone[] = { tr_bin(), path, NULL };
		const char *after[] = { tr_bin(), "-j", "2", test_src_path("suites/smoke.yaml"), path, NULL };
		struct tr_run r;
		int rc = tr_exec(&r, twice ? after : alone);
		ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, r.err);
		ck_assert_msg(!strcmp(r.err, want), "stderr\n%s\nwant\n%s", r.err, want);
		ck_assert_msg(!r.out[0], "stdout: %s", r.out);
		ck_assert_uint_eq(r.ntopo, 0);
		tr_free(&r);
	}
	tr_rmdir(dir);
}
END_TEST

/* Not root: status 3 and one line, after the suites load; --list needs no
 * root. As uid 65534 through setpriv when we are root. */
START_TEST(test_runner_not_root)
{
	const char *bin = tr_bin();
	if (!bin) {
		test_skip("runner not root", "no ike-conform binary (IKEC_BIN)");
		return;
	}
	const char *smoke = test_src_path("suites/smoke.yaml");
	const char *drop[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups" };
	size_t nd = geteuid() == 0 ? 4 : 0;
	struct tr_run r;
	if (nd) {
		char *out = NULL;
		int have = test_run("command -v setpriv", &out);
		free(out);
		if (have != 0) {
			test_skip("runner not root", "setpriv (util-linux) is not installed");
			return;
		}
		const char *probe[] = { drop[0], drop[1], drop[2], drop[3], "test", "-x", bin, "-a",
					"-r", smoke, NULL };
		if (tr_exec(&r, probe) != 0) {
			tr_free(&r);
			test_skip("runner not root", "uid 65534 cannot reach the binary or the suites");
			return;
		}
		tr_free(&r);
	}
	const char *argv[12];
	size_t n = 0;
	for (size_t i = 0; i < nd; i++)
		argv[n++] = drop[i];
	argv[n++] = bin;
	argv[n++] = smoke;
	argv[n] = NULL;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 3, "exit %d, want 3: %s%s", rc, r.out, r.err);
	ck_assert_str_eq(r.err, "ike-conform: needs root (it builds network namespaces)\n");
	ck_assert_msg(!r.out[0], "stdout: %s", r.out);
	ck_assert_uint_eq(r.ntopo, 0);
	tr_free(&r);
	argv[n - 1] = "--list";
	argv[n++] = smoke;
	argv[n] = NULL;
	rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 0, "--list as not root: exit %d: %s", rc, r.err);
	ck_assert_str_eq(r.err, "16 of 16 cases\n");
	ck_assert_msg(tr_starts(r.out, "smoke@strongswan/mm-psk-h2p\n"), "%s", r.out);
	tr_free(&r);
}
END_TEST

/* The leftover check sees what a run leaves: an orphan process, a
 * namespace with the run's prefix, a work folder (else "nothing left"
 * would prove nothing). */
START_TEST(test_runner_leftovers_seen)
{
	if (geteuid() != 0) {
		test_skip("runner leftovers", "needs root (a namespace under /run/netns)");
		return;
	}
	char *o = NULL;
	int have = test_run("command -v ip", &o);
	free(o);
	if (have != 0) {
		test_skip("runner leftovers", "ip (iproute2) is not installed");
		return;
	}
	const char *argv[] = { "sh", "-c", "sleep 30 & exit 0", NULL };
	struct tr_run r;
	ck_assert_int_eq(tr_exec(&r, argv), 0);
	char cmd[200], left[4096];
	snprintf(r.prefix, sizeof(r.prefix), "ikectl%05d", (int)getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip netns add %sw1-000000-h", r.prefix);
	ck_assert_int_eq(test_run(cmd, &o), 0);
	free(o);
	tr_mkdtemp(r.work[0], sizeof(r.work[0]));
	r.nwork = 1;
	tr_leftovers(&r, left, sizeof(left));
	char ns[64], dir[64];
	snprintf(ns, sizeof(ns), "namespace %sw1-000000-h; ", r.prefix);
	snprintf(dir, sizeof(dir), "folder %s; ", r.work[0]);
	snprintf(cmd, sizeof(cmd), "ip netns delete %sw1-000000-h", r.prefix);
	test_run(cmd, &o);
	free(o);
	rmdir(r.work[0]);
	ck_assert_msg(strstr(left, ns) && strstr(left, dir) && strstr(left, "(sleep 30 )"),
		      "the check missed something: %s", left);
	/* and once removed (the orphan was killed when seen), nothing */
	tr_leftovers(&r, left, sizeof(left));
	ck_assert_msg(!left[0], "%s", left);
	tr_free(&r);
}
END_TEST

/* ---- 2. --list ---- */

#define TR_SS "smoke@strongswan/"
#define TR_SF "smoke@self/"
#define TR_NAMES(p)                                                                          \
	p "mm-psk-h2p\n" p "mm-psk-p2h\n" p "am-psk-h2p\n" p "am-psk-p2h\n" p "mm-rsa-h2p\n" \
	p "mm-rsa-p2h\n" p "mismatch-h2p\n" p "mismatch-p2h\n"

static const struct {
	const char *args[8];
	const char *out, *err;
} tr_lists[] = {
	{ { "--list", TR_SMOKE }, TR_NAMES(TR_SS) TR_NAMES(TR_SF), "16 of 16 cases\n" },
	/* a glob on the id */
	{ { "--list", "--filter", "smoke@self/*", TR_SMOKE }, TR_NAMES(TR_SF), "8 of 16 cases\n" },
	/* a glob on the bare name */
	{ { "--list", "--filter", "mm-*", TR_SMOKE },
	  TR_SS "mm-psk-h2p\n" TR_SS "mm-psk-p2h\n" TR_SS "mm-rsa-h2p\n" TR_SS "mm-rsa-p2h\n"
	  TR_SF "mm-psk-h2p\n" TR_SF "mm-psk-p2h\n" TR_SF "mm-rsa-h2p\n" TR_SF "mm-rsa-p2h\n",
	  "8 of 16 cases\n" },
	/* repeated: either matches, plan order kept */
	{ { "--list", "--filter", "*/mismatch-p2h", "--filter", "am-psk-h2p", TR_SMOKE },
	  TR_SS "am-psk-h2p\n" TR_SS "mismatch-p2h\n" TR_SF "am-psk-h2p\n" TR_SF "mismatch-p2h\n",
	  "4 of 16 cases\n" },
	/* one peer: ids without @peer */
	{ { "--list", "--peer", "self", TR_SMOKE }, TR_NAMES("smoke/"), "8 of 8 cases\n" },
	{ { "run", "--list", "--peer", "strongswan", "--filter", "smoke/*-rsa-*", TR_SMOKE },
	  "smoke/mm-rsa-h2p\nsmoke/mm-rsa-p2h\n", "2 of 8 cases\n" },
	{ { "--list", "--filter", "nothing*", TR_SMOKE }, "", "0 of 16 cases\n" },
};

START_TEST(test_runner_list)
{
	if (!tr_bin()) {
		test_skip("runner list", "no ike-conform binary (IKEC_BIN)");
		return;
	}
	const __typeof__(tr_lists[0]) *t = &tr_lists[_i];
	const char *argv[12];
	tr_argv(argv, 12, t->args, 8);
	struct tr_run r;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, r.err);
	ck_assert_msg(!strcmp(r.out, t->out), "stdout\n%s\nwant\n%s", r.out, t->out);
	ck_assert_str_eq(r.err, t->err);
	/* nothing run: no namespace, no process, no work folder */
	ck_assert_uint_eq(r.ntopo, 0);
	ck_assert_uint_eq(r.nwork, 0);
	tr_assert_clean(&r, "--list");
	tr_free(&r);
}
END_TEST

/* ---- 3. --shard ---- */

static char *tr_list(const char *shard, bool smoke_only, char *err, size_t errlen)
{
	const char *argv[10];
	size_t n = 0;
	argv[n++] = tr_bin();
	argv[n++] = "--list";
	if (shard) {
		argv[n++] = "--shard";
		argv[n++] = shard;
	}
	if (!smoke_only) {
		argv[n++] = test_src_path("suites/hagle.yaml");
		argv[n++] = test_src_path("suites/dh-groups.yaml");
		argv[n++] = test_src_path("suites/lifetime.yaml");
		argv[n++] = test_src_path("suites/nat-t.yaml");
	}
	argv[n++] = test_src_path("suites/smoke.yaml");
	argv[n] = NULL;
	struct tr_run r;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 0, "--list --shard %s: exit %d: %s", shard ? shard : "-", rc, r.err);
	char *out = r.out;
	snprintf(err, errlen, "%s", r.err);
	r.out = NULL;
	tr_free(&r);
	return out;
}

START_TEST(test_runner_shard)
{
	if (!tr_bin()) {
		test_skip("runner shard", "no ike-conform binary (IKEC_BIN)");
		return;
	}
	char err[256], want[64];
	char *full = tr_list(NULL, false, err, sizeof(err)), *fbuf;
	static char *ids[8192];
	size_t nids = tr_lines(full, &fbuf, ids, 8192);
	ck_assert_uint_gt(nids, 100);
	ck_assert_uint_lt(nids, 8192);
	snprintf(want, sizeof(want), "%zu of %zu cases\n", nids, nids);
	ck_assert_str_eq(err, want);
	for (size_t i = 0; i < nids; i++)
		for (size_t k = i + 1; k < nids; k++)
			ck_assert_msg(strcmp(ids[i], ids[k]), "id %s twice in --list", ids[i]);
	unsigned *seen = xcalloc(nids, sizeof(*seen));
	static const unsigned ns[] = { 1, 2, 3, 7 };
	char sizes[256] = "";
	for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
		unsigned n = ns[ni];
		memset(seen, 0, nids * sizeof(*seen));
		for (unsigned k = 1; k <= n; k++) {
			char shard[16];
			snprintf(shard, sizeof(shard), "%u/%u", k, n);
			char *a = tr_list(shard, false, err, sizeof(err));
			char *b = tr_list(shard, false, err, sizeof(err));
			ck_assert_msg(!strcmp(a, b), "--shard %s differs from one run to the next", shard);
			char *buf, *lines[8192];
			size_t nl = tr_lines(a, &buf, lines, 8192);
			snprintf(want, sizeof(want), "%zu of %zu cases\n", nl, nids);
			ck_assert_str_eq(err, want);
			/* a slice is never empty here (hundreds of ids) */
			ck_assert_msg(nl > 0, "--shard %s is empty", shard);
			/* each id of the slice once, in plan order */
			size_t at = 0;
			for (size_t i = 0; i < nl; i++) {
				while (at < nids && strcmp(ids[at], lines[i]))
					at++;
				ck_assert_msg(at < nids, "--shard %s: %s not in plan order (or unknown)",
					      shard, lines[i]);
				seen[at++]++;
			}
			if (n == 7)
				snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes), "%s%zu",
					 k > 1 ? " " : "", nl);
			if (n == 3) {
				/* a case's slice does not depend on the other files */
				char *only = tr_list(shard, true, err, sizeof(err)), *mine = xcalloc(1, strlen(a) + 1);
				for (size_t i = 0; i < nl; i++)
					if (tr_starts(lines[i], "smoke@"))
						strcat(strcat(mine, lines[i]), "\n");
				ck_assert_msg(!strcmp(only, mine), "--shard %s of smoke.yaml alone:\n%s\n"
					      "within three files:\n%s", shard, only, mine);
				free(only);
				free(mine);
			}
			free(buf);
			free(a);
			free(b);
		}
		for (size_t i = 0; i < nids; i++)
			ck_assert_msg(seen[i] == 1, "N=%u: %s is in %u slices", n, ids[i], seen[i]);
	}
	test_report("runner: --shard K/N for N = 1, 2, 3, 7 over %zu ids: each in exactly one "
		    "slice, stable; 7 slices of %s", nids, sizes);
	free(seen);
	free(fbuf);
	free(full);
}
END_TEST

/* ---- 4. a real run: suites/smoke.yaml against strongSwan and self ---- */

static const char *const tr_smoke_names[] = {
	"mm-psk-h2p", "mm-psk-p2h", "am-psk-h2p", "am-psk-p2h",
	"mm-rsa-h2p", "mm-rsa-p2h", "mismatch-h2p", "mismatch-p2h",
};
static const char *const tr_smoke_peers[] = { "strongswan", "self" };

/* Every seed: named <kind>[-...]-<first 16 hex of its SHA-256>.bin; a
 * datagram (not -plain) is a whole ISAKMP message of its exchange. */
static void tr_check_seeds(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	unsigned total = 0, datagrams = 0, mm1 = 0, qm1 = 0;
	while ((e = readdir(d))) {
		const char *nm = e->d_name;
		if (!strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		size_t len = strlen(nm);
		ck_assert_msg(len > 22 && !strcmp(nm + len - 4, ".bin") && nm[len - 21] == '-',
			      "seed name %s", nm);
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		size_t n = 0;
		char *data = tr_slurp(path, &n);
		ck_assert_ptr_nonnull(data);
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		ck_assert(EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL));
		char hex[17];
		for (int i = 0; i < 8; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		ck_assert_msg(!strncmp(nm + len - 20, hex, 16), "%s: SHA-256 begins %s", nm, hex);
		total++;
		mm1 += tr_starts(nm, "mm1-");
		qm1 += tr_starts(nm, "qm1-");
		if (!strstr(nm, "-plain-")) {
			const uint8_t *p = (const uint8_t *)data;
			ck_assert_msg(n >= 28 && p[17] == 0x10, "%s: no ISAKMP header", nm);
			uint32_t hl = (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27];
			ck_assert_msg(hl == n, "%s: header length %u, %zu bytes", nm, hl, n);
			unsigned x = tr_starts(nm, "mm") ? 2 : tr_starts(nm, "am") ? 4
				     : tr_starts(nm, "qm") ? 32 : tr_starts(nm, "notify") ? 5 : p[18];
			ck_assert_msg(p[18] == x, "%s: exchange %u, want %u", nm, p[18], x);
			datagrams++;
		}
		free(data);
	}
	closedir(d);
	ck_assert_msg(mm1 > 0 && qm1 > 0, "seeds: %u mm1-*, %u qm1-*", mm1, qm1);
	test_report("runner: %u seeds (%u datagrams), names = SHA-256 prefixes", total, datagrams);
}

/* tshark over every case's wire.pcap with the case's key tables, all at
 * at once: each shows ISAKMP, nothing malformed, Quick Mode decrypted. */
static void tr_tshark_all(const char *tmp, char dirs[][1200], size_t n, const bool *established)
{
	char script[200], cmd[300];
	tr_fmt(script, sizeof(script), "%s/tshark.sh", tmp);
	FILE *sh = fopen(script, "w");
	ck_assert_ptr_nonnull(sh);
	for (size_t i = 0; i < n; i++)
		fprintf(sh, "(HOME='%s' XDG_CONFIG_HOME='%s' tshark -n -r '%s/wire.pcap' -T fields "
			"-E separator=/t -e frame.number -e _ws.col.Protocol -e isakmp.exchangetype "
			"-e isakmp.typepayload -e _ws.malformed -e udp.payload >'%s/tshark.txt' "
			"2>/dev/null; echo $? >'%s/tshark.rc') &\n", dirs[i], dirs[i], dirs[i], dirs[i],
			dirs[i]);
	fprintf(sh, "wait\n");
	ck_assert_int_eq(fclose(sh), 0);
	tr_fmt(cmd, sizeof(cmd), "sh '%s'", script);
	char *o = NULL;
	test_run(cmd, &o);
	free(o);
	unsigned frames = 0, excused = 0;
	for (size_t i = 0; i < n; i++) {
		char p[1300];
		tr_fmt(p, sizeof(p), "%s/tshark.rc", dirs[i]);
		char *rc = tr_slurp(p, NULL);
		ck_assert_msg(rc && !strcmp(rc, "0\n"), "%s: tshark exit %s", dirs[i], rc ? rc : "?");
		free(rc);
		tr_fmt(p, sizeof(p), "%s/tshark.txt", dirs[i]);
		char *text = tr_slurp(p, NULL), *buf, *lines[512];
		ck_assert_ptr_nonnull(text);
		size_t nl = tr_lines(text, &buf, lines, 512);
		unsigned isakmp = 0, qm_clear = 0;
		const char *payloads[512];
		for (size_t k = 0; k < nl; k++) {
			char *f[6] = { NULL };
			char *s = lines[k];
			for (int j = 0; j < 6; j++) {
				f[j] = s;
				char *tab = s ? strchr(s, '\t') : NULL;
				if (tab)
					*tab = '\0';
				s = tab ? tab + 1 : NULL;
			}
			payloads[k] = f[5] ? f[5] : "";
			if (!f[4])
				continue;
			if (!strcmp(f[1], "ISAKMP"))
				isakmp++;
			/* a decrypted Quick Mode message: HASH then SA */
			if (!strcmp(f[2], "32") && tr_starts(f[3], "8,1,"))
				qm_clear++;
			if (!f[4][0])
				continue;
			/* Wireshark chains the IV per message ID, so a byte-identical
			   retransmission decrypts to garbage there: excused, only that */
			bool again = false;
			for (size_t j = 0; j < k && payloads[k][0]; j++)
				again |= !strcmp(payloads[j], payloads[k]);
			ck_assert_msg(again, "%s/wire.pcap: frame %s malformed (%s)", dirs[i], f[0], f[4]);
			excused++;
		}
		ck_assert_msg(isakmp >= 2, "%s/wire.pcap: %u ISAKMP frames:\n%s", dirs[i], isakmp, text);
		if (established[i])
			ck_assert_msg(qm_clear >= 2, "%s/wire.pcap: Quick Mode not decrypted with the "
				      "case's ikev1_decryption_table:\n%s", dirs[i], text);
		frames += isakmp;
		free(buf);
		free(text);
	}
	test_report("runner: tshark: %zu wire.pcap with their key tables, %u ISAKMP frames, "
		    "Quick Mode decrypted, none malformed (%u byte-identical retransmissions "
		    "excused: Wireshark chains their IV)", n, frames, excused);
}

/* The smoke run's stdout: the header, a line per case, the summary, where
 * things are. */
static void tr_smoke_stdout(const struct tr_run *r, const char *junit, const char *out,
			    const char *seeds)
{
	char *buf, *lines[64];
	size_t nl = tr_lines(r->out, &buf, lines, 64);
	ck_assert_msg(nl == 1 + 16 + 5, "%zu lines:\n%s", nl, r->out);
	ck_assert_msg(tr_starts(lines[0], "ike-conform: 16 cases from 1 suite file, 2 workers, seed "),
		      "%s", lines[0]);
	bool got[2][8] = { { false } };
	for (size_t i = 1; i <= 16; i++) {
		char id[300];
		ck_assert_msg(tr_progress(lines[i], i, 16, "PASS", id, sizeof(id)),
			      "line %zu: %s", i, lines[i]);
		bool known = false;
		for (size_t p = 0; p < 2; p++)
			for (size_t c = 0; c < 8; c++) {
				char want[128];
				snprintf(want, sizeof(want), "smoke@%s/%s", tr_smoke_peers[p],
					 tr_smoke_names[c]);
				if (!strcmp(id, want)) {
					ck_assert_msg(!got[p][c], "%s twice", id);
					got[p][c] = known = true;
				}
			}
		ck_assert_msg(known, "unknown id %s", id);
	}
	tr_summary(lines, nl, 17, 16, 16, 0, 0, 0, r->out);
	char want[256];
	snprintf(want, sizeof(want), "ike-conform: JUnit report in %s", junit);
	ck_assert_str_eq(lines[18], want);
	snprintf(want, sizeof(want), "ike-conform: artifacts in %s", out);
	ck_assert_str_eq(lines[19], want);
	snprintf(want, sizeof(want), "ike-conform: seeds in %s", seeds);
	ck_assert_str_eq(lines[20], want);
	free(buf);
}

/* The value of a "name: value" line among the property lines atop a
 * case's system-out (up to the first blank line), or NULL; into buf. */
static const char *tr_junit_line(const char *so, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	for (const char *p = so; *p && *p != '\n';) {
		size_t l = strcspn(p, "\n");
		if (l > nl + 1 && !strncmp(p, name, nl) && p[nl] == ':' && p[nl + 1] == ' ') {
			snprintf(buf, len, "%.*s", (int)(l - nl - 2), p + nl + 2);
			return buf;
		}
		p += l + (p[l] ? 1 : 0);
	}
	return NULL;
}

/* The smoke run's JUnit: valid in both dialects, two suites of 8 with the
 * run's versions, classnames suite.peer, each case's properties (what it
 * asks, what it negotiated) as lines atop its system-out and none as
 * <properties>, then a blank line and the timeline. */
static void tr_smoke_junit(const char *junit)
{
	xmlDocPtr doc = test_junit_valid(junit);
	tr_expect_xp(doc, "16", "string(/testsuites/@tests)");
	tr_expect_xp(doc, "0", "string(/testsuites/@failures)");
	tr_expect_xp(doc, "0", "count(/testsuites/@skipped|/testsuites/@timestamp)");
	tr_expect_xp(doc, "0", "count(//failure|//error|//skipped)");
	tr_expect_xp(doc, "0", "count(//testcase/properties|//testcase/@file)");
	tr_expect_xp(doc, "2", "count(/testsuites/testsuite)");
	for (size_t p = 0; p < 2; p++) {
		char ts[200];
		snprintf(ts, sizeof(ts), "/testsuites/testsuite[@name='smoke@%s']", tr_smoke_peers[p]);
		tr_expect_xp(doc, "8", "count(%s/testcase)", ts);
		tr_expect_xp(doc, tr_smoke_peers[p], "string(%s/properties/property[@name='peer']/@value)", ts);
		tr_expect_xp(doc, IKEC_VERSION, "string(%s/properties/property[@name='ike-conform']/@value)", ts);
		tr_expect_xp(doc, "1", "count(%s/properties/property[@name='strongswan' and @value!=''])", ts);
		tr_expect_xp(doc, "1", "count(%s/properties/property[@name='openssl' and @value!=''])", ts);
		tr_expect_xp(doc, "1", "count(%s/properties/property[@name='kernel' and @value!=''])", ts);
		char cls[64];
		snprintf(cls, sizeof(cls), "smoke.%s", tr_smoke_peers[p]);
		tr_expect_xp(doc, "8", "count(%s/testcase[@classname='%s'])", ts, cls);
		for (size_t c = 0; c < 8; c++) {
			char tc[400], x[500], v[200];
			snprintf(tc, sizeof(tc), "%s/testcase[@name='%s']", ts, tr_smoke_names[c]);
			bool est = !tr_starts(tr_smoke_names[c], "mismatch");
			bool init = strstr(tr_smoke_names[c], "h2p") != NULL;
			snprintf(x, sizeof(x), "string(%s/system-out)", tc);
			char *so = test_xpath(doc, x);
			const char *got = tr_junit_line(so, "phase1", v, sizeof(v));
			ck_assert_msg(est ? got && !strcmp(got, "aes128-sha256-modp2048") : !got,
				      "%s: phase1 line %s:\n%s", tc, got ? got : "(none)", so);
			got = tr_junit_line(so, "esp", v, sizeof(v));
			ck_assert_msg(est ? got && !strcmp(got, "aes128-sha256") : !got,
				      "%s: esp line %s:\n%s", tc, got ? got : "(none)", so);
			got = tr_junit_line(so, "case.role", v, sizeof(v));
			ck_assert_msg(got && !strcmp(got, init ? "initiator" : "responder"),
				      "%s: case.role line %s:\n%s", tc, got ? got : "(none)", so);
			got = tr_junit_line(so, "case.tags", v, sizeof(v));
			ck_assert_msg(got && tr_starts(got, "smoke"), "%s: case.tags %s:\n%s", tc,
				      got ? got : "(none)", so);
			/* the timeline after the property lines and a blank line */
			const char *log = strstr(so, "\n\n");
			char head[128];
			snprintf(head, sizeof(head), "case %s: harness as %s", tr_smoke_names[c],
				 init ? "initiator" : "responder");
			ck_assert_msg(log && tr_starts(log + 2, head) &&
				      (strstr(log, " mm1 ") || strstr(log, " am1 ")) &&
				      strstr(log, est ? "result: established" : "NO-PROPOSAL-CHOSEN"),
				      "%s: system-out:\n%s", tc, so);
			free(so);
		}
	}
	xmlFreeDoc(doc);
}

/* One smoke case's artifacts: the files every case writes, the peer's
 * config, and on an established case its key table line. */
static void tr_smoke_case_files(const char *dir, size_t p, bool est)
{
	static const char *const files[] = {
		"harness.log", "peer.log", "wire.pcap", "ike.pcap",
		"wireshark/ikev1_decryption_table",
	};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char path[1300];
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		struct stat st;
		ck_assert_msg(stat(path, &st) == 0 && S_ISREG(st.st_mode), "%s is missing", path);
		ck_assert_msg(st.st_size > 0 || f == 4 || f == 1, "%s is empty", path);
	}
	char path[1300];
	snprintf(path, sizeof(path), "%s/%s", dir, p == 0 ? "swanctl.conf" : "peer-config.yaml");
	ck_assert_msg(tr_exists(path), "%s is missing", path);
	if (est) {
		/* one line "<16 hex icookie>,<hex key>" */
		snprintf(path, sizeof(path), "%s/wireshark/ikev1_decryption_table", dir);
		char *t = tr_slurp(path, NULL);
		size_t h = strspn(t, "0123456789abcdef");
		ck_assert_msg(h == 16 && t[16] == ',' &&
			      strspn(t + 17, "0123456789abcdef") >= 32, "%s: %s", path, t);
		free(t);
	}
}

START_TEST(test_runner_smoke)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner smoke", why);
		return;
	}
	if (!strongswan_available()) {
		test_skip("runner smoke", "strongSwan (charon, swanctl) is not installed; make deps "
			  "installs it");
		return;
	}
	char dir[64], junit[128], out[128], seeds[128];
	tr_mkdtemp(dir, sizeof(dir));
	snprintf(junit, sizeof(junit), "%s/report.xml", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(seeds, sizeof(seeds), "%s/seeds", dir);
	const char *argv[] = { tr_bin(), test_src_path("suites/smoke.yaml"), "-j", "2", "--junit", junit,
			       "--out", out, "--seeds", seeds, NULL };
	struct tr_run r;
	tr_start(&r, argv, false);
	tr_wait(&r, 120000);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %d:\n%s%s",
		      r.status, r.out, r.err);
	tr_smoke_stdout(&r, junit, out, seeds);
	tr_smoke_junit(junit);

	/* artifacts of every case */
	char dirs[16][1200];
	bool est[16];
	size_t nd = 0;
	for (size_t p = 0; p < 2; p++)
		for (size_t c = 0; c < 8; c++, nd++) {
			snprintf(dirs[nd], sizeof(dirs[0]), "%s/smoke@%s/%s", out, tr_smoke_peers[p],
				 tr_smoke_names[c]);
			est[nd] = !tr_starts(tr_smoke_names[c], "mismatch");
			tr_smoke_case_files(dirs[nd], p, est[nd]);
		}
	tr_check_seeds(seeds);

	/* nothing left: namespaces, processes, the work folder */
	ck_assert_msg(r.nwork >= 1, "the run's work folder was never seen");
	tr_assert_clean(&r, "smoke run");
	test_report("runner: smoke.yaml -j 2: 16 cases passed in %llu ms, %zu worker topologies, "
		    "nothing left", (unsigned long long)r.ms, r.ntopo);
	tr_free(&r);

	/* every capture through tshark with its own key tables */
	char *o = NULL;
	int have = test_run("tshark --version", &o);
	free(o);
	if (have != 0)
		test_skip("runner smoke tshark", "tshark is not installed (make deps installs it)");
	else
		tr_tshark_all(dir, dirs, nd, est);
	tr_rmdir(dir);
}
END_TEST

/* ---- 5. failure verdicts ---- */

static const struct {
	const char *id, *status;
	const char *detail;       /* the line after it (and the JUnit message); NULL: none */
	bool prefix;              /* detail is a prefix (the rest is the peer's words) */
} tr_wrong[] = {
	{ "wrong/control", "PASS", NULL, false },
	{ "wrong/refused-but-accepted", "FAIL",
	  "notify: expected NO-PROPOSAL-CHOSEN (14), seen received none, sent none; established", false },
	{ "wrong/established-but-refused", "FAIL",
	  "established: expected both sides established, seen not established: ", true },
	{ "wrong/wrong-notify", "FAIL",
	  "notify: expected INVALID-PAYLOAD-TYPE (1), seen received NO-PROPOSAL-CHOSEN (14) after mm1, sent none",
	  false },
};

START_TEST(test_runner_failures)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner failures", why);
		return;
	}
	char dir[64], junit[128];
	tr_mkdtemp(dir, sizeof(dir));
	snprintf(junit, sizeof(junit), "%s/wrong.xml", dir);
	/* the file names strongswan and self; --peer self keeps one */
	const char *argv[] = { tr_bin(), "--peer", "self", test_src_path("tests/suites/wrong.yaml"),
			       "--junit", junit, NULL };
	struct tr_run r;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 1, "exit %d, want 1:\n%s%s", rc, r.out, r.err);
	char *buf, *lines[64];
	size_t nl = tr_lines(r.out, &buf, lines, 64), at = 1;
	size_t nw = sizeof(tr_wrong) / sizeof(tr_wrong[0]);
	for (size_t i = 0; i < nw; i++) {
		char id[300];
		ck_assert_msg(at < nl && tr_progress(lines[at], i + 1, nw, tr_wrong[i].status, id,
						      sizeof(id)) && !strcmp(id, tr_wrong[i].id),
			      "want [%zu/%zu] %s %s, line %zu of:\n%s", i + 1, nw, tr_wrong[i].status,
			      tr_wrong[i].id, at, r.out);
		at++;
		if (!tr_wrong[i].detail)
			continue;
		char want[600];
		snprintf(want, sizeof(want), "        %s", tr_wrong[i].detail);
		ck_assert_msg(at < nl && (tr_wrong[i].prefix ? tr_starts(lines[at], want)
							      : !strcmp(lines[at], want)),
			      "%s: want\n%s\ngot\n%s", tr_wrong[i].id, want, at < nl ? lines[at] : "");
		/* then what happened, one paragraph */
		at += 2;
	}
	tr_summary(lines, nl, at, 4, 1, 3, 0, 0, r.out);
	free(buf);
	xmlDocPtr doc = test_junit_valid(junit);
	tr_expect_xp(doc, "1", "count(/testsuites/testsuite)");
	tr_expect_xp(doc, "wrong", "string(/testsuites/testsuite/@name)");
	tr_expect_xp(doc, "self", "string(/testsuites/testsuite/properties/property[@name='peer']/@value)");
	tr_expect_xp(doc, "3", "string(/testsuites/testsuite/@failures)");
	tr_expect_xp(doc, "0", "string(/testsuites/testsuite/@errors)");
	for (size_t i = 0; i < nw; i++) {
		const char *name = strchr(tr_wrong[i].id, '/') + 1;
		char x[300];
		snprintf(x, sizeof(x), "string(//testcase[@name='%s']/failure/@message)", name);
		char *msg = test_xpath(doc, x);
		if (!tr_wrong[i].detail)
			ck_assert_msg(!msg[0], "%s: %s", name, msg);
		else
			ck_assert_msg(tr_wrong[i].prefix ? tr_starts(msg, tr_wrong[i].detail)
							 : !strcmp(msg, tr_wrong[i].detail),
				      "%s: failure message \"%s\"", name, msg);
		free(msg);
		if (tr_wrong[i].detail) {
			tr_expect_xp(doc, "mismatch", "string(//testcase[@name='%s']/failure/@type)", name);
			/* the text (what GitLab shows) starts with that line, then why */
			snprintf(x, sizeof(x), "string(//testcase[@name='%s']/failure)", name);
			char *text = test_xpath(doc, x);
			ck_assert_msg(tr_starts(text, tr_wrong[i].detail) && strchr(text, '\n'),
				      "%s: failure text \"%s\"", name, text);
			free(text);
		}
		tr_expect_xp(doc, "wrong.self", "string(//testcase[@name='%s']/@classname)", name);
	}
	xmlFreeDoc(doc);
	tr_assert_clean(&r, "failures");
	tr_free(&r);
	tr_rmdir(dir);
}
END_TEST

/* --peer self on the smoke cases that expect a notify: they pass. */
START_TEST(test_runner_peer_self_notify)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner peer self", why);
		return;
	}
	const char *argv[] = { tr_bin(), "--peer", "self", "--filter", "mismatch-*",
			       test_src_path("suites/smoke.yaml"), NULL };
	struct tr_run r;
	int rc = tr_exec(&r, argv);
	ck_assert_msg(rc == 0, "exit %d:\n%s%s", rc, r.out, r.err);
	char *buf, *lines[16];
	size_t nl = tr_lines(r.out, &buf, lines, 16);
	ck_assert_msg(nl == 5, "%s", r.out);
	char id[300];
	ck_assert_msg(tr_progress(lines[1], 1, 2, "PASS", id, sizeof(id)) &&
		      !strcmp(id, "smoke/mismatch-h2p"), "%s", lines[1]);
	ck_assert_msg(tr_progress(lines[2], 2, 2, "PASS", id, sizeof(id)) &&
		      !strcmp(id, "smoke/mismatch-p2h"), "%s", lines[2]);
	tr_summary(lines, nl, 3, 2, 2, 0, 0, 0, r.out);
	free(buf);
	tr_assert_clean(&r, "--peer self");
	tr_free(&r);
}
END_TEST

/* ---- 6. isolation ---- */

/* The stall case ended as an error with why, then `after` passed on a
 * fresh worker (a second topology); status 1. */
static void tr_check_stall(struct tr_run *r, const char *why)
{
	ck_assert_msg(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 1, "status %d:\n%s%s",
		      r->status, r->out, r->err);
	char *buf, *lines[16], id[300];
	size_t nl = tr_lines(r->out, &buf, lines, 16);
	ck_assert_msg(nl == 6, "%s", r->out);
	ck_assert_msg(tr_progress(lines[1], 1, 2, "ERROR", id, sizeof(id)) &&
		      !strcmp(id, "stall/stall"), "%s", r->out);
	ck_assert_msg(tr_starts(lines[2], "        ") && !strcmp(lines[2] + 8, why),
		      "got\n%s\nwant\n        %s", lines[2], why);
	ck_assert_msg(tr_progress(lines[3], 2, 2, "PASS", id, sizeof(id)) &&
		      !strcmp(id, "stall/after"), "%s", r->out);
	tr_summary(lines, nl, 4, 2, 1, 0, 1, 0, r->out);
	free(buf);
	ck_assert_msg(r->ntopo >= 2, "one worker topology seen (%zu): no fresh worker", r->ntopo);
}

START_TEST(test_runner_timeout)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner timeout", why);
		return;
	}
	const char *argv[] = { tr_bin(), "--timeout", "2", test_src_path("tests/suites/stall.yaml"), NULL };
	struct tr_run r;
	tr_start(&r, argv, false);
	tr_wait(&r, 60000);
	tr_check_stall(&r, "timed out after 2 s: the worker was killed with everything in its "
			   "namespaces");
	/* the stall waits 8 s: the run did not */
	ck_assert_msg(r.ms < 7500, "the run took %llu ms", (unsigned long long)r.ms);
	ck_assert_msg(r.nwork >= 1, "the run's work folder was never seen");
	tr_assert_clean(&r, "timeout");
	test_report("runner: --timeout 2: stall killed, after passed on a fresh worker, %llu ms",
		    (unsigned long long)r.ms);
	tr_free(&r);
}
END_TEST

/* --fuzz with every variant failing (a 1 s timeout cannot hold the 1.5 s
 * pause): each is written as a reproducer equal to the file it ran from,
 * and a second run with the same seed writes the same files. */
START_TEST(test_runner_fuzz_reproducers)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner fuzz", why);
		return;
	}
	static const char *const msgs[] = { "mm1", "mm3", "mm5", "qm1", "qm3" };
	char out[2][64];
	for (int k = 0; k < 2; k++) {
		snprintf(out[k], sizeof(out[k]), "/tmp/ikec-fuzz-out-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(out[k]));
		const char *argv[] = { tr_bin(), "--fuzz", "1", "--seed", "5", "--filter", "after",
				       "--timeout", "1", "--out", out[k],
				       test_src_path("tests/suites/stall.yaml"), NULL };
		struct tr_run r;
		tr_start(&r, argv, false);
		tr_wait(&r, 120000);
		ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1, "%s\n%s", r.out,
			      r.err);
		ck_assert_msg(strstr(r.out, "5 failing variants written to "), "%s", r.out);
		tr_assert_clean(&r, "fuzz");
		tr_free(&r);
	}
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		char a[200], b[200], ran[240];
		size_t na, nb, nr;
		snprintf(a, sizeof(a), "%s/reproducers/after-%s-0.yaml", out[0], msgs[i]);
		snprintf(b, sizeof(b), "%s/reproducers/after-%s-0.yaml", out[1], msgs[i]);
		snprintf(ran, sizeof(ran), "%s/fuzz-stall-self/after-%s-0/case.yaml", out[0], msgs[i]);
		char *ta = tr_slurp(a, &na), *tb = tr_slurp(b, &nb), *tc = tr_slurp(ran, &nr);
		ck_assert_msg(ta && tb && tc, "%s, %s or %s missing", a, b, ran);
		ck_assert_msg(na == nb && !memcmp(ta, tb, na), "%s and %s differ", a, b);
		ck_assert_msg(na == nr && !memcmp(ta, tc, na), "%s is not what ran (%s)", a, ran);
		ck_assert_msg(strstr(ta, "\n    seed: ") && strstr(ta, "mutate:"), "%s", ta);
		free(ta);
		free(tb);
		free(tc);
	}
	for (int k = 0; k < 2; k++) {
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", out[k]);
		ck_assert_int_eq(system(cmd), 0);
	}
	test_report("runner: --fuzz 1 --seed 5: 5 failing variants written twice, byte for byte");
}
END_TEST

/* ---- the remote peer against a strongSwan "device" ----
 *
 *   [ run's harness ns ]            host                 [ device ns ]
 *    eth-dev (macvlan) ---- ikecd<pid> (veth) ---- eth0 198.51.100.10/24
 *    198.51.100.1/24                                  lo 10.2.0.1/32
 *
 * The device is configured by the test alone; the run knows it only by
 * the profile: its address, the link, what it accepts, and swanctl
 * commands (as a vendor's would be ssh commands) to initiate, reset and
 * read its SA state (through ike-conform sa-state). */

static const char tr_dev_psk[] = "remote-device-psk-0123";

static bool tr_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool tr_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static struct peer *tr_device_up(const char *ns, const char *link, const char *dir)
{
	char err[600];
	ck_assert_msg(tr_sh("ip netns add %s && ip link add %s type veth peer name eth0 netns %s && "
			    "ip link set %s up && ip -n %s link set lo up && "
			    "ip -n %s addr add 198.51.100.10/24 dev eth0 && ip -n %s link set eth0 up && "
			    "ip -n %s addr add 10.2.0.1/32 dev lo", ns, link, ns, link, ns, ns, ns, ns),
		      "the device's namespace %s", ns);
	struct peer *dev = strongswan_new(ns, dir, err, sizeof(err));
	ck_assert_msg(dev, "strongSwan in %s: %s", ns, err);
	struct peer_case pc = { .name = "gw", .initiator = false, .exchange = WIRE_X_MAIN,
				.auth = IKE_AUTH_PSK, .psk = tr_dev_psk, .artifacts = dir,
				/* kernel-libipsec carries ESP in UDP only: it claims a
				   NAT whatever the path (the profile's natt: forced) */
				.force_encap = true };
	static const char *const p1[] = { "aes128-sha256-modp2048", "aes128-sha1-modp2048",
					  "aes256-sha256-modp2048", "3des-sha1-modp1024" };
	/* no PFS: charon as initiator would send a KE with every proposal */
	static const char *const p2[] = { "aes128-sha256", "aes128-sha1" };
	for (size_t i = 0; i < sizeof(p1) / sizeof(p1[0]); i++) {
		ck_assert(ike_p1_parse(p1[i], &pc.p1[pc.np1], err, sizeof(err)));
		pc.p1[pc.np1++].auth = IKE_AUTH_PSK;
	}
	for (size_t i = 0; i < sizeof(p2) / sizeof(p2[0]); i++)
		ck_assert(ike_p2_parse(p2[i], &pc.p2[pc.np2++], err, sizeof(err)));
	ck_assert(netaddr_parse("198.51.100.10", 500, &pc.local, err, sizeof(err)));
	ck_assert(netaddr_parse("198.51.100.1", 500, &pc.remote, err, sizeof(err)));
	pc.local.port = pc.remote.port = 0;
	ck_assert(ike_ts_parse("10.2.0.0/24", &pc.ts_local, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.1.0.0/24", &pc.ts_remote, err, sizeof(err)));
	ck_assert_msg(dev->ops->configure(dev, &pc, err, sizeof(err)), "%s", err);
	return dev;
}

/* The device's profile: how to reach it, what it accepts, the commands
 * that drive the strongSwan in its namespace. */
static void tr_device_profile(const char *prof, const char *link, const char *ssdir)
{
	FILE *f = fopen(prof, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"device: strongswan-in-a-namespace\n"
		"address: 198.51.100.10\n"
		"reach: { interface: %s, address: 198.51.100.1/24 }\n"
		"accepts:\n"
		"  roles: [responder, initiator]\n"
		"  exchanges: [main]\n"
		"  auth: [psk]\n"
		"  psk_env: IKEC_TEST_DEVICE_PSK\n"
		"  proposals: [aes128-sha256-modp2048, aes128-sha1-modp2048, aes256-sha256-modp2048,\n"
		"              3des-sha1-modp1024]\n"
		"  esp: [aes128-sha256, aes128-sha1]\n"
		"  modes: [tunnel]\n"
		"  natt: forced\n"
		"traffic: { device_ts: 10.2.0.0/24, harness_ts: 10.1.0.0/24, ping: 10.2.0.1 }\n"
		"rate: 50\n"
		"settle: 300ms\n"
		"commands:\n"
		"  initiate: STRONGSWAN_CONF=%s/strongswan.conf swanctl --initiate --child gw\n"
		/* every IKE SA, half-open ones too, by its unique ID */
		"  reset: >-\n"
		"    export STRONGSWAN_CONF=%s/strongswan.conf;\n"
		"    for id in $(swanctl --list-sas --pretty | %s sa-state --ike-ids);\n"
		"    do swanctl --terminate --ike-id $id --force >/dev/null || exit 1; done\n"
		"  sa_state: STRONGSWAN_CONF=%s/strongswan.conf swanctl --list-sas --pretty | "
		"%s sa-state --name gw\n"
		"  timeout: 20s\n", link, ssdir, ssdir, tr_bin(), ssdir, tr_bin());
	fclose(f);
}

/* The remote run's verdicts: what passed, what was skipped and why. */
static void tr_remote_expect(const struct tr_run *r)
{
	/* 18 cases: mm-psk both ways, two HAGLE cases in the profile and two
	   refused, four NAT-T ones, three malformed; am, rsa, the peer_config
	   one, a NAT at the device and transport mode skipped, saying why */
	ck_assert_msg(strstr(r->out, "ike-conform: 13 passed, 0 failed, 5 skipped"), "%s\n%s", r->out,
		      r->err);
	static const char *const reasons[] = {
		"the device does not accept aggressive mode (the profile accepts main)",
		"the device does not accept auth rsa (the profile accepts psk)",
		"the case changes the peer's configuration (peer_config)",
		"topology nat-peer: the NAT in front of the device is not the run's to build",
		"the device does not take transport mode (the profile accepts tunnel)",
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		ck_assert_msg(strstr(r->out, reasons[i]), "no skip saying '%s':\n%s", reasons[i], r->out);
	ck_assert_msg(strstr(r->out, "takes one case at a time"), "%s", r->out);
}

START_TEST(test_runner_remote_device)
{
	const char *why = tr_live_why();
	if (!why && !strongswan_available())
		why = "strongSwan is not installed";
	if (why) {
		test_skip("runner remote device", why);
		return;
	}
	char ns[32], link[16], dir[] = "/tmp/ikec-remote-XXXXXX", ssdir[80], prof[80], out[80];
	snprintf(ns, sizeof(ns), "ikecdev%04x", (unsigned)getpid() & 0xffff);
	snprintf(link, sizeof(link), "ikecd%04x", (unsigned)getpid() & 0xffff);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ssdir, sizeof(ssdir), "%s/device", dir);
	snprintf(prof, sizeof(prof), "%s/device.yaml", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	struct peer *dev = tr_device_up(ns, link, ssdir);
	tr_device_profile(prof, link, ssdir);
	setenv("IKEC_TEST_DEVICE_PSK", tr_dev_psk, 1);
	/* smoke (PSK Main Mode both ways; the rest skipped), a HAGLE slice (in
	   the profile: run; outside it: the device must refuse), NAT-T from
	   behind the run's NAT box (both roles, keepalives, a remap; a NAT at
	   the device's end and transport mode skipped), a malformed slice
	   with peer-alive */
	const char *argv[] = { tr_bin(), "-j", "2", "--peer", "remote", "--profile", prof,
			       "--out", out,
			       "--filter", "mm-psk-*", "--filter", "am-psk-h2p", "--filter", "mm-rsa-h2p",
			       "--filter", "mismatch-h2p",
			       "--filter", "psk-aes128-sha256-g14", "--filter", "psk-aes128-sha1-g14",
			       "--filter", "psk-des-md5-g1", "--filter", "psk-aes256-sha512-g14",
			       "--filter", "hdr-truncated-mm1", "--filter", "nonce-short-mm3",
			       "--filter", "hdr-truncated-mm2",
			       "--filter", "nat-harness-*", "--filter", "keepalives-nat-harness",
			       "--filter", "remap-nat-harness", "--filter", "nat-peer-initiator",
			       "--filter", "udp-transport-nat-harness",
			       test_src_path("suites/smoke.yaml"), test_src_path("suites/hagle.yaml"),
			       test_src_path("suites/nat-t.yaml"), test_src_path("suites/malformed.yaml"),
			       NULL };
	struct tr_run r;
	tr_start(&r, argv, false);
	tr_wait(&r, 600000);
	/* the device and the folder go first: an assertion below must not
	   leave them behind */
	dev->ops->stop(dev);
	bool down = tr_sh("ip link del %s 2>/dev/null; ip netns del %s", link, ns);
	tr_sh("rm -rf %s", dir);
	ck_assert_msg(down, "the device's namespace %s could not be removed", ns);
	tr_remote_expect(&r);
	tr_assert_clean(&r, "remote");
	test_report("runner: remote peer, a strongSwan device known by its profile alone: "
		    "13 passed (2 refusals, 4 NAT-T behind the run's NAT box, the "
		    "device's SA state cross-checked), 5 skipped with reasons, %llu ms",
		    (unsigned long long)r.ms);
	tr_free(&r);
}
END_TEST

START_TEST(test_runner_crash)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner crash", why);
		return;
	}
	const char *argv[] = { tr_bin(), test_src_path("tests/suites/stall.yaml"), NULL };
	struct tr_run r;
	tr_start(&r, argv, false);
	pid_t worker = tr_wait_worker(&r, 30000);
	usleep(300000);   /* into the stall's wait */
	ck_assert_int_eq(kill(worker, SIGSEGV), 0);
	tr_wait(&r, 60000);
	char want[200];
	snprintf(want, sizeof(want), "the worker crashed (signal %d, %s) during the case", SIGSEGV,
		 strsignal(SIGSEGV));
	tr_check_stall(&r, want);
	ck_assert_msg(r.ms < 7500, "the run took %llu ms", (unsigned long long)r.ms);
	ck_assert_msg(r.nwork >= 1, "the run's work folder was never seen");
	tr_assert_clean(&r, "crash");
	test_report("runner: worker %d killed by SIGSEGV: an error, the next case passed, %llu ms",
		    (int)worker, (unsigned long long)r.ms);
	tr_free(&r);
}
END_TEST

/* Ctrl-C: to the parent alone, then to the whole process group (as a
 * terminal sends it). */
START_TEST(test_runner_interrupt)
{
	const char *why = tr_live_why();
	if (why) {
		test_skip("runner interrupt", why);
		return;
	}
	const char *argv[] = { tr_bin(), test_src_path("tests/suites/stall.yaml"), NULL };
	struct tr_run r;
	tr_start(&r, argv, true);
	tr_wait_worker(&r, 30000);
	usleep(300000);
	ck_assert_int_eq(kill(_i ? -r.pid : r.pid, SIGINT), 0);
	tr_wait(&r, 30000);
	ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGINT,
		      "status %d, want killed by SIGINT:\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(!strstr(r.out, " cases in "), "a summary after Ctrl-C:\n%s", r.out);
	ck_assert_msg(r.nwork >= 1, "the run's work folder was never seen");
	tr_assert_clean(&r, _i ? "Ctrl-C to the group" : "SIGINT to the parent");
	test_report("runner: SIGINT to the %s mid-case: the run died of it, nothing left",
		    _i ? "process group" : "parent");
	tr_free(&r);
}
END_TEST

/* Orphans of a run come back to the test process, where they are found. */
static void tr_setup(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

Suite *suite_runner(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("command");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tr_setup, NULL);
	tcase_add_loop_test(tc, test_runner_usage, 0, sizeof(tr_usage) / sizeof(tr_usage[0]));
	tcase_add_test(tc, test_runner_usage_bare);
	tcase_add_loop_test(tc, test_runner_broken_suite, 0,
			    sizeof(tr_broken) / sizeof(tr_broken[0]));
	tcase_add_test(tc, test_runner_not_root);
	tcase_add_test(tc, test_runner_leftovers_seen);
	tcase_add_loop_test(tc, test_runner_list, 0, sizeof(tr_lists) / sizeof(tr_lists[0]));
	tcase_add_test(tc, test_runner_shard);
	suite_add_tcase(s, tc);
	TCase *live = tcase_create("live");
	tcase_set_timeout(live, 180);
	tcase_add_checked_fixture(live, tr_setup, NULL);
	tcase_add_test(live, test_runner_smoke);
	tcase_add_test(live, test_runner_failures);
	tcase_add_test(live, test_runner_peer_self_notify);
	tcase_add_test(live, test_runner_timeout);
	tcase_add_test(live, test_runner_fuzz_reproducers);
	tcase_add_test(live, test_runner_remote_device);
	tcase_add_test(live, test_runner_crash);
	tcase_add_loop_test(live, test_runner_interrupt, 0, 2);
	suite_add_tcase(s, live);
	return s;
}
