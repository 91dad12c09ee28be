/* netns: running programs inside a namespace (fork, setns, exec), and
 * nftables through them. */
#include "netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/internal.h"

#define NETNS_OUTPUT_MAX (1u << 20)
#define NETNS_NFT "/usr/sbin/nft"

static long long netns_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int netns_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

/* In the child: only async-signal-safe calls (the parent may have
 * threads), and one write so the reader gets the whole line. */
__attribute__((noreturn))
static void netns_child_fail(int fd, const char *what, const char *arg)
{
	const char *parts[] = { what, arg, ": ", strerror(errno), "\n" };
	char msg[512];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *p = parts[i]; *p && n < sizeof(msg); p++)
			msg[n++] = *p;
	if (write(fd, msg, n) < 0)
		_exit(127);
	_exit(127);
}

/* In the forked child of netns_exec: into the namespace, stdin from in
 * (or /dev/null), stdout and stderr to out, then exec. Never returns. */
__attribute__((noreturn))
static void netns_exec_child(int nsfd, const char *name, char *const argv[], int in, int out)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		netns_child_fail(out, "setns into ", name);
	if (dup2(in >= 0 ? in : nul, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		netns_child_fail(out, "dup2 for ", argv[0]);
	execvp(argv[0], argv);
	netns_child_fail(2, "exec ", argv[0]);
}

/* A running program's pipes as netns_exec sees them: its stdin fed from
 * input, its output gathered (when asked for) up to NETNS_OUTPUT_MAX. */
struct netns_exec_io {
	const char *name, *prog;      /* the namespace and argv[0], for errors */
	int out, in;                  /* our ends; -1 once closed */
	const char *input;
	size_t inoff, inlen;
	bool keep;                    /* the caller wants the output */
	char *buf;
	size_t len, cap;
};

/* As much of the input as the program takes now. */
static void netns_exec_feed(struct netns_exec_io *io)
{
	ssize_t w = send(io->in, io->input + io->inoff, io->inlen - io->inoff, MSG_NOSIGNAL);
	if (w > 0)
		io->inoff += (size_t)w;
	if ((w < 0 && errno != EAGAIN && errno != EINTR) || io->inoff == io->inlen) {
		/* Done, or the program stopped reading: EOF either way. */
		close(io->in);
		io->in = -1;
	}
}

/* n more bytes of output into the buffer; false when out of memory. */
static bool netns_exec_keep(struct netns_exec_io *io, const char *tmp, size_t n, char *err,
			    size_t errlen)
{
	/* Kept up to the limit; the rest is read and dropped. */
	size_t keep = n;
	if (io->len + keep > NETNS_OUTPUT_MAX)
		keep = NETNS_OUTPUT_MAX - io->len;
	if (!io->keep || !keep)
		return true;
	if (io->len + keep + 1 > io->cap) {
		size_t ncap = io->cap ? io->cap * 2 : 4096;
		while (ncap < io->len + keep + 1)
			ncap *= 2;
		char *nb = realloc(io->buf, ncap);
		if (!nb) {
			snprintf(err, errlen, "namespace %s: %s: out of memory", io->name, io->prog);
			return false;
		}
		io->buf = nb;
		io->cap = ncap;
	}
	memcpy(io->buf + io->len, tmp, keep);
	io->len += keep;
	return true;
}

/* Feed and gather until the program closes its output (true), the
 * deadline passes (true, *timed_out) or something fails (false). */
static bool netns_exec_pump(struct netns_exec_io *io, int timeout_ms, bool *timed_out,
			    char *err, size_t errlen)
{
	long long deadline = timeout_ms > 0 ? netns_now_ms() + timeout_ms : 0;
	while (io->out >= 0) {
		struct pollfd p[2] = { { .fd = io->out, .events = POLLIN },
				       { .fd = io->in, .events = POLLOUT } };
		int wait = -1;
		if (deadline) {
			long long left = deadline - netns_now_ms();
			if (left <= 0) {
				*timed_out = true;
				return true;
			}
			wait = (int)(left > 1000 ? 1000 : left);
		}
		int r = poll(p, io->in >= 0 ? 2 : 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "namespace %s: %s: poll: %s", io->name, io->prog,
				 strerror(errno));
			return false;
		}
		if (io->in >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP)))
			netns_exec_feed(io);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char tmp[4096];
			ssize_t n = read(io->out, tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(io->out);
				io->out = -1;
				return true;
			}
			if (!netns_exec_keep(io, tmp, (size_t)n, err, errlen))
				return false;
		}
	}
	return true;
}

/* The program's end: killed when the pump failed or timed out, reaped,
 * its status and output handed back. */
static bool netns_exec_finish(struct netns_exec_io *io, pid_t pid, bool ok, bool timed_out,
			      int timeout_ms, char **output, int *status, char *err,
			      size_t errlen)
{
	if (!ok || timed_out)
		kill(pid, SIGKILL);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "namespace %s: %s: waitpid: %s", io->name, io->prog,
				 strerror(errno));
			ok = false;
			break;
		}
	}
	if (ok)
		*status = netns_status(ws);
	if (timed_out) {
		snprintf(err, errlen, "namespace %s: %s: killed after %d ms", io->name, io->prog,
			 timeout_ms);
		ok = false;
	}
	if (io->out >= 0)
		close(io->out);
	if (io->in >= 0)
		close(io->in);
	if (output) {
		if (!io->buf)
			io->buf = calloc(1, 1);
		else
			io->buf[io->len] = '\0';
		*output = io->buf;
	} else {
		free(io->buf);
	}
	return ok;
}

bool netns_exec(const char *name, char *const argv[], const char *input, int timeout_ms,
		char **output, int *status, char *err, size_t errlen)
{
	int nsfd, out[2] = { -1, -1 }, in[2] = { -1, -1 };
	if (output)
		*output = NULL;
	*status = -1;
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "namespace %s: no command", name);
		return false;
	}
	if (!netns_open(name, &nsfd, err, errlen))
		return false;
	/* A socket for stdin so that MSG_NOSIGNAL spares us SIGPIPE when the
	 * program exits without reading it all. */
	if (pipe2(out, O_CLOEXEC) < 0 ||
	    (input && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)) {
		snprintf(err, errlen, "namespace %s: %s: pipe: %s", name, argv[0], strerror(errno));
		goto fail_fds;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "namespace %s: %s: fork: %s", name, argv[0], strerror(errno));
		goto fail_fds;
	}
	if (pid == 0)
		netns_exec_child(nsfd, name, argv, input ? in[1] : -1, out[1]);
	close(nsfd);
	close(out[1]);
	struct netns_exec_io io = { .name = name, .prog = argv[0], .out = out[0], .in = -1,
				    .input = input, .inlen = input ? strlen(input) : 0,
				    .keep = output != NULL };
	if (input) {
		close(in[1]);
		fcntl(in[0], F_SETFL, O_NONBLOCK);
		io.in = in[0];
	}
	if (input && io.inlen == 0) {
		close(io.in);
		io.in = -1;
	}
	bool timed_out = false;
	bool ok = netns_exec_pump(&io, timeout_ms, &timed_out, err, errlen);
	return netns_exec_finish(&io, pid, ok, timed_out, timeout_ms, output, status, err, errlen);

fail_fds:
	close(nsfd);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (in[i] >= 0)
			close(in[i]);
	}
	return false;
}

bool netns_spawn(const char *name, char *const argv[], const char *log_path, pid_t *pid,
		 char *err, size_t errlen)
{
	int nsfd, st[2];
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "namespace %s: no command", name);
		return false;
	}
	if (!netns_open(name, &nsfd, err, errlen))
		return false;
	/* The child reports a failed exec on a close-on-exec pipe: EOF with
	 * nothing means the exec happened. */
	if (pipe2(st, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "namespace %s: %s: pipe: %s", name, argv[0], strerror(errno));
		close(nsfd);
		return false;
	}
	pid_t p = fork();
	if (p < 0) {
		snprintf(err, errlen, "namespace %s: %s: fork: %s", name, argv[0], strerror(errno));
		close(nsfd);
		close(st[0]);
		close(st[1]);
		return false;
	}
	if (p == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		int logfd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : nul;
		if (logfd < 0)
			netns_child_fail(st[1], "open ", log_path);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			netns_child_fail(st[1], "setns into ", name);
		if (dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			netns_child_fail(st[1], "dup2 for ", argv[0]);
		execvp(argv[0], argv);
		netns_child_fail(st[1], "exec ", argv[0]);
	}
	close(nsfd);
	close(st[1]);
	char msg[256];
	ssize_t n;
	do
		n = read(st[0], msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	close(st[0]);
	if (n > 0) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "namespace %s: %s", name, msg);
		return false;
	}
	*pid = p;
	return true;
}

bool netns_nft(const char *name, const char *ruleset, char *err, size_t errlen)
{
	char *argv[] = { access(NETNS_NFT, X_OK) == 0 ? NETNS_NFT : "nft", "-f", "-", NULL };
	char *out = NULL;
	int status;
	if (!netns_exec(name, argv, ruleset, 5000, &out, &status, err, errlen)) {
		free(out);
		return false;
	}
	bool ok = status == 0;
	if (!ok) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(err, errlen, "namespace %s: nft -f - exited %d: %s", name, status,
			 *out ? out : "(no output)");
	}
	free(out);
	return ok;
}
