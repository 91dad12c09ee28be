/* The remote peer driver: a device driven only through its profile's
 * commands, and the peer_ops table (remote.h). */
#include "peers/remote/remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/chunk.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"

struct remote_peer {
	struct peer base;
	const struct profile *prof;
	char harness[64];         /* the harness's address, for ${harness} */
	char device[80];
	uint64_t last_seen_ms;    /* the device last looked at (0: never) */
	pid_t initiating;         /* the initiate command, left running */
	char out[700];            /* a command's output file */
};

static bool remote_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool remote_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* The command with ${name}, ${harness} and ${device} replaced. */
static bool remote_expand(const struct remote_peer *r, const char *cmd, const char *name,
			  char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = cmd; *p;) {
		const char *val = NULL;
		size_t skip = 0;
		if (!strncmp(p, "${name}", 7))
			val = name, skip = 7;
		else if (!strncmp(p, "${harness}", 10))
			val = r->harness, skip = 10;
		else if (!strncmp(p, "${device}", 9))
			val = r->device, skip = 9;
		if (val) {
			size_t n = strlen(val);
			if (o + n >= len)
				return false;
			memcpy(out + o, val, n);
			o += n;
			p += skip;
		} else {
			if (o + 1 >= len)
				return false;
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return true;
}

/* sh -c line in its own process group, output to out. */
static pid_t remote_spawn(const char *line, const char *out)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		FILE *o = freopen(out, "w", stdout);
		if (!o || dup2(1, 2) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* The initiate command of the last case, if it still runs: stopped, and its
 * output into the log. */
static void remote_reap(struct remote_peer *r)
{
	if (r->initiating <= 0)
		return;
	int st;
	if (waitpid(r->initiating, &st, WNOHANG) == 0) {
		kill(-r->initiating, SIGKILL);
		waitpid(r->initiating, &st, 0);
	}
	r->initiating = 0;
	char path[720];
	snprintf(path, sizeof(path), "%s.initiate", r->out);
	FILE *in = fopen(path, "r"), *lg = fopen(r->base.log, "a");
	if (in && lg) {
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, lg);
	}
	if (in)
		fclose(in);
	if (lg)
		fclose(lg);
	unlink(path);
}

/* sh -c CMD on the host, killed with its process group past the profile's
 * timeout; its output appended to the peer's log and, when text is given,
 * returned there (malloc'd). */
static bool remote_run(struct remote_peer *r, const char *what, const char *cmd, const char *name,
		       char **text, char *err, size_t errlen)
{
	char line[4096];
	if (text)
		*text = NULL;
	if (!remote_expand(r, cmd, name ? name : "", line, sizeof(line)))
		return remote_fail(err, errlen, "profile %s: the %s command is too long",
				   r->prof->file, what);
	pid_t pid = remote_spawn(line, r->out);
	if (pid < 0)
		return remote_fail(err, errlen, "%s command: fork: %s", what, strerror(errno));
	uint64_t deadline = clock_ms() + (r->prof->cmd_timeout_ms ? r->prof->cmd_timeout_ms : 10000);
	int st = 0;
	bool timed_out = false;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return remote_fail(err, errlen, "%s command: waitpid: %s", what, strerror(errno));
		if (clock_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			timed_out = true;
			break;
		}
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	/* the output, into the log and back to the caller */
	FILE *f = fopen(r->out, "r");
	char *buf = NULL;
	size_t n = 0;
	if (f) {
		buf = xcalloc(1, 65537);
		n = fread(buf, 1, 65536, f);
		fclose(f);
	}
	FILE *lg = fopen(r->base.log, "a");
	if (lg) {
		fprintf(lg, "$ %s\n%.*s%s", line, (int)n, buf ? buf : "",
			n && buf[n - 1] != '\n' ? "\n" : "");
		fclose(lg);
	}
	if (timed_out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		if (timed_out)
			return remote_fail(err, errlen, "the device's %s command (%s) did not end within "
					   "%u ms", what, line, r->prof->cmd_timeout_ms ?
					   r->prof->cmd_timeout_ms : 10000);
		return remote_fail(err, errlen, "the device's %s command (%s) failed with %s %d",
				   what, line, WIFEXITED(st) ? "exit status" : "signal",
				   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	if (text)
		*text = buf;
	else
		free(buf);
	return true;
}

/* Between cases: the device's own retransmissions die out first. */
static void remote_settle(struct remote_peer *r)
{
	if (!r->last_seen_ms)
		return;
	uint64_t until = r->last_seen_ms + r->prof->settle_ms, now = clock_ms();
	if (now < until) {
		struct timespec ts = { (time_t)((until - now) / 1000),
				       (long)((until - now) % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

static bool remote_configure(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct remote_peer *r = (struct remote_peer *)p;
	remote_reap(r);
	remote_settle(r);
	r->last_seen_ms = clock_ms();
	/* the device's configuration is its own: reset is all we may do */
	return !r->prof->cmd_reset || remote_run(r, "reset", r->prof->cmd_reset, c->name, NULL,
						 err, errlen);
}

static bool remote_initiate(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct remote_peer *r = (struct remote_peer *)p;
	if (!r->prof->cmd_initiate)
		return remote_fail(err, errlen, "profile %s: the device cannot be made to initiate "
				   "(no commands: initiate)", r->prof->file);
	/* left running: the device's exchange needs the harness meanwhile */
	char line[4096], out[720];
	remote_reap(r);
	if (!remote_expand(r, r->prof->cmd_initiate, c->name, line, sizeof(line)))
		return remote_fail(err, errlen, "profile %s: the initiate command is too long",
				   r->prof->file);
	snprintf(out, sizeof(out), "%s.initiate", r->out);
	FILE *lg = fopen(r->base.log, "a");
	if (lg) {
		fprintf(lg, "$ %s &\n", line);
		fclose(lg);
	}
	r->initiating = remote_spawn(line, out);
	if (r->initiating < 0)
		return remote_fail(err, errlen, "initiate command: fork: %s", strerror(errno));
	return true;
}

/* The device's sa_state command, run and read (view.c). */
static bool remote_view(struct peer *p, const struct peer_case *c, struct peer_sa_view *out,
			char *err, size_t errlen)
{
	struct remote_peer *r = (struct remote_peer *)p;
	r->last_seen_ms = clock_ms();
	if (!r->prof->cmd_sa_state) {
		memset(out, 0, sizeof(*out));
		out->unknown = true;
		snprintf(out->raw, sizeof(out->raw), "(the profile has no sa_state command)");
		return true;
	}
	char *text = NULL;
	if (!remote_run(r, "sa_state", r->prof->cmd_sa_state, c->name, &text, err, errlen))
		return false;
	remote_parse_state(text ? text : "", out);
	free(text);
	r->last_seen_ms = clock_ms();
	return true;
}

static bool remote_alive(struct peer *p, bool *restarted, char *err, size_t errlen)
{
	/* not ours to restart: a dead device shows in the peer-alive handshake */
	(void)p;
	(void)err;
	(void)errlen;
	*restarted = false;
	return true;
}

static void remote_stop(struct peer *p)
{
	struct remote_peer *r = (struct remote_peer *)p;
	remote_reap(r);
	unlink(r->out);
	free(r);
}

static const struct peer_ops remote_ops = {
	.name = "remote",
	.configure = remote_configure,
	.initiate = remote_initiate,
	.view = remote_view,
	.alive = remote_alive,
	.calm = NULL,
	.stop = remote_stop,
};

struct peer *remote_peer_new(const struct profile *prof, const char *harness_ip, const char *dir,
			     char *err, size_t errlen)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		remote_fail(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		return NULL;
	}
	struct remote_peer *r = xcalloc(1, sizeof(*r));
	r->base.ops = &remote_ops;
	r->prof = prof;
	snprintf(r->base.dir, sizeof(r->base.dir), "%s", dir);
	snprintf(r->base.log, sizeof(r->base.log), "%s/peer.log", dir);
	snprintf(r->out, sizeof(r->out), "%s/command.out", dir);
	snprintf(r->harness, sizeof(r->harness), "%s", harness_ip);
	char a[80];
	netaddr_str(&prof->address, a, sizeof(a));
	char *colon = strrchr(a, ':');   /* "198.51.100.10:500" without its port */
	if (colon && !strchr(a, '['))
		*colon = '\0';
	snprintf(r->device, sizeof(r->device), "%s", a);
	FILE *f = fopen(r->base.log, "a");
	if (f)
		fclose(f);
	return &r->base;
}

/* ${harness} in the profile's commands: the address the device knows
 * the harness by, the profile's own. */
static struct peer *remote_driver_start(const struct peer_start *s, char *err, size_t errlen)
{
	char ip[64];
	if (!s->profile) {
		snprintf(err, errlen, "peer 'remote' needs a device profile (--profile FILE, "
			 "docs/vendors.md)");
		return NULL;
	}
	inet_ntop(s->profile->local.family, s->profile->local.ip, ip, sizeof(ip));
	return remote_peer_new(s->profile, ip, s->dir, err, errlen);
}

const struct peer_driver remote_driver = {
	.name = "remote", .start = remote_driver_start, .device = true,
};
