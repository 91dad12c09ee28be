/* The self peer driver: the `ike-conform peer` processes and the peer_ops
 * table (peers/self/self.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/chunk.h"
#include "core/clock.h"
#include "core/log.h"
#include "crypto/rand.h"
#include "peers/self/self.h"

#define SELF_START_MS 5000        /* until "listening on" */
#define SELF_STOP_MS 2000         /* SIGTERM, then SIGKILL */

struct self_peer {
	struct peer base;             /* first: the seam's view */
	char bin[512];
	pid_t resp;                   /* the responder process, 0 none */
	pid_t init;                   /* the latest initiator process, 0 none */
	char cfg[640];                /* the responder's config file */
	char state[600], log[600];
	unsigned restarts;
};

static bool self_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool self_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- the process ---- */

/* `ike-conform peer`'s own entry, when the binary has registered it: the
 * process is then forked without an exec (loading two dozen libraries
 * again cost about 40 ms a case). */
static int (*self_entry)(int argc, char **argv);

void self_set_entry(int (*entry)(int argc, char **argv))
{
	self_entry = entry;
}

/* In the forked child, before the peer's entry: a process as fresh as
 * exec would make it. Only stdin, stdout and stderr stay open (a socket
 * of the harness's kept here would hold its port), every signal back to
 * its default (the worker's cleanup handlers are not the peer's), and a
 * generator of its own, not the harness's seeded one (the two sides'
 * nonces and keys would be the same bytes). */
static void self_child_fresh(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	crypto_rand_unseed();
}

/* Whether the process's first line on fd, within SELF_START_MS, is its
 * "listening on ..." (a responder is ready only then). */
static bool self_wait_listen(int fd)
{
	char line[256];
	size_t n = 0;
	uint64_t end = clock_ms() + SELF_START_MS;
	while (n + 1 < sizeof(line)) {
		uint64_t now = clock_ms();
		struct pollfd pf = { fd, POLLIN, 0 };
		if (now >= end || poll(&pf, 1, (int)(end - now)) <= 0)
			return false;
		char ch;
		if (read(fd, &ch, 1) != 1)
			return false;
		if (ch == '\n') {
			line[n] = '\0';
			return strncmp(line, "listening on ", 13) == 0;
		}
		line[n++] = ch;
	}
	return false;
}

/* Start `bin peer --config CFG --log LOG --state STATE` inside the
 * namespace; for a responder, wait for its "listening on" line. */
static pid_t self_spawn(struct self_peer *s, const char *cfg, bool wait_listen, char *err,
			size_t errlen)
{
	char nspath[600];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", s->base.ns);
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return self_fail(err, errlen, "namespace %s: %s", nspath, strerror(errno)), -1;
	int po[2];
	if (pipe2(po, O_CLOEXEC) != 0) {
		close(nsfd);
		return self_fail(err, errlen, "pipe: %s", strerror(errno)), -1;
	}
	fflush(NULL);  /* nothing buffered twice, or into the child's files */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(nsfd);
		close(po[0]);
		close(po[1]);
		return self_fail(err, errlen, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		/* the peer never outlives the harness, even when it crashes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || setns(nsfd, CLONE_NEWNET) != 0)
			_exit(126);
		dup2(po[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		char *argv[] = { "peer", "--config", (char *)cfg, "--log", s->log, "--state",
				 s->state, "--dataplane", "user", NULL };
		if (self_entry) {
			/* what ps and the tests see of it: no exec, no command line of its own */
			prctl(PR_SET_NAME, SELF_PROCESS_NAME);
			self_child_fresh();
			int rc = self_entry((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
			fflush(stdout);
			fflush(stderr);
			_exit(rc);
		}
		execl(s->bin, s->bin, "peer", "--config", cfg, "--log", s->log, "--state", s->state,
		      "--dataplane", "user", (char *)NULL);
		_exit(127);
	}
	close(nsfd);
	close(po[1]);
	if (!wait_listen) {
		close(po[0]);
		return pid;
	}
	bool ok = self_wait_listen(po[0]);
	close(po[0]);
	if (!ok) {
		int st = 0;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return self_fail(err, errlen, "ike-conform peer in %s did not start (exit %d); see %s",
				 s->base.ns, WIFEXITED(st) ? WEXITSTATUS(st) : -1, s->log), -1;
	}
	return pid;
}

static void self_kill(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	uint64_t end = clock_ms() + SELF_STOP_MS;
	while (waitpid(*pid, NULL, WNOHANG) == 0) {
		if (clock_ms() >= end) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
			break;
		}
		usleep(2000);
	}
	*pid = 0;
}

static bool self_write_cfg(struct self_peer *s, const struct peer_case *c, char *path,
			   size_t pathlen, char *err, size_t errlen)
{
	char text[8192];
	if (!self_peer_config(c, text, sizeof(text), err, errlen))
		return false;
	snprintf(path, pathlen, "%s/%s.yaml", s->base.dir, c->name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return self_fail(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (c->artifacts) {  /* a copy among the case's artifacts */
		char copy[1100];
		snprintf(copy, sizeof(copy), "%s/peer-config.yaml", c->artifacts);
		f = fopen(copy, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			return self_fail(err, errlen, "cannot write %s: %s", copy, strerror(errno));
	}
	return true;
}

static bool self_configure(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	self_kill(&s->init);
	self_kill(&s->resp);
	unlink(s->state);
	if (!self_write_cfg(s, c, s->cfg, sizeof(s->cfg), err, errlen))
		return false;
	if (c->initiator)
		return true;
	s->resp = self_spawn(s, s->cfg, true, err, errlen);
	return s->resp > 0;
}

static bool self_initiate(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	char path[640];
	if (!c->initiator)
		return self_fail(err, errlen, "case %s: configured as a responder", c->name);
	self_kill(&s->init);
	if (!self_write_cfg(s, c, path, sizeof(path), err, errlen))
		return false;
	s->init = self_spawn(s, path, false, err, errlen);
	return s->init > 0;
}

/* The state file the process keeps, as its view (view.c). */
static bool self_view(struct peer *p, const struct peer_case *c, struct peer_sa_view *out,
		      char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	char text[65536];  /* sa lines carry IDs, a DN's up to 512 hex digits */
	(void)c;
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(s->state, "r");
	if (!f) {
		if (errno == ENOENT)
			return true;  /* nothing yet */
		return self_fail(err, errlen, "cannot read %s: %s", s->state, strerror(errno));
	}
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	self_parse_state(text, out);
	return true;
}

static bool self_alive(struct peer *p, bool *restarted, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	*restarted = false;
	if (s->resp <= 0)
		return true;  /* no responder running: nothing to lose */
	int st;
	if (waitpid(s->resp, &st, WNOHANG) == 0)
		return true;
	log_warn("self peer in %s: the responder died (%s %d); restarting it", p->ns,
		 WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	s->resp = self_spawn(s, s->cfg, true, err, errlen);
	s->restarts++;
	*restarted = true;
	return s->resp > 0;
}

static void self_stop(struct peer *p)
{
	struct self_peer *s = (struct self_peer *)p;
	self_kill(&s->init);
	self_kill(&s->resp);
	free(s);
}

static const struct peer_ops self_ops = {
	.name = "self",
	.configure = self_configure,
	.initiate = self_initiate,
	.view = self_view,
	.alive = self_alive,
	.stop = self_stop,
};

struct peer *self_peer_new(const char *bin, const char *ns, const char *dir, char *err,
			   size_t errlen)
{
	if (access(bin, X_OK) != 0)
		return self_fail(err, errlen, "ike-conform binary %s: %s", bin, strerror(errno)), NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return self_fail(err, errlen, "cannot make %s: %s", dir, strerror(errno)), NULL;
	struct self_peer *s = xcalloc(1, sizeof(*s));
	s->base.ops = &self_ops;
	if ((size_t)snprintf(s->base.ns, sizeof(s->base.ns), "%s", ns) >= sizeof(s->base.ns) ||
	    (size_t)snprintf(s->base.dir, sizeof(s->base.dir), "%s", dir) >= sizeof(s->base.dir) ||
	    (size_t)snprintf(s->bin, sizeof(s->bin), "%s", bin) >= sizeof(s->bin)) {
		free(s);
		return self_fail(err, errlen, "namespace, directory or binary name too long"), NULL;
	}
	snprintf(s->state, sizeof(s->state), "%s/state", dir);
	snprintf(s->log, sizeof(s->log), "%s/peer.log", dir);
	snprintf(s->base.log, sizeof(s->base.log), "%s", s->log);
	return &s->base;
}

static struct peer *self_driver_start(const struct peer_start *s, char *err, size_t errlen)
{
	return self_peer_new(s->bin, s->ns, s->dir, err, errlen);
}

const struct peer_driver self_driver = { .name = "self", .start = self_driver_start };
