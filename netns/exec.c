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
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			netns_child_fail(out[1], "setns into ", name);
		if (dup2(input ? in[1] : nul, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			netns_child_fail(out[1], "dup2 for ", argv[0]);
		execvp(argv[0], argv);
		netns_child_fail(2, "exec ", argv[0]);
	}
	close(nsfd);
	close(out[1]);
	nsfd = out[1] = -1;
	if (input) {
		close(in[1]);
		in[1] = -1;
		fcntl(in[0], F_SETFL, O_NONBLOCK);
	}

	char *buf = NULL;
	size_t len = 0, cap = 0, inoff = 0, inlen = input ? strlen(input) : 0;
	long long deadline = timeout_ms > 0 ? netns_now_ms() + timeout_ms : 0;
	bool timed_out = false, ok = true;
	if (input && inlen == 0) {
		close(in[0]);
		in[0] = -1;
	}
	while (out[0] >= 0) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
				       { .fd = in[0], .events = POLLOUT } };
		int wait = -1;
		if (deadline) {
			long long left = deadline - netns_now_ms();
			if (left <= 0) {
				timed_out = true;
				break;
			}
			wait = (int)(left > 1000 ? 1000 : left);
		}
		int r = poll(p, in[0] >= 0 ? 2 : 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "namespace %s: %s: poll: %s", name, argv[0],
				 strerror(errno));
			ok = false;
			break;
		}
		if (in[0] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(in[0], input + inoff, inlen - inoff, MSG_NOSIGNAL);
			if (w > 0)
				inoff += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || inoff == inlen) {
				/* Done, or the program stopped reading: EOF either way. */
				close(in[0]);
				in[0] = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char tmp[4096];
			ssize_t n = read(out[0], tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(out[0]);
				out[0] = -1;
				break;
			}
			/* Kept up to the limit; the rest is read and dropped. */
			size_t keep = (size_t)n;
			if (len + keep > NETNS_OUTPUT_MAX)
				keep = NETNS_OUTPUT_MAX - len;
			if (output && keep) {
				if (len + keep + 1 > cap) {
					size_t ncap = cap ? cap * 2 : 4096;
					while (ncap < len + keep + 1)
						ncap *= 2;
					char *nb = realloc(buf, ncap);
					if (!nb) {
						snprintf(err, errlen, "namespace %s: %s: out of memory",
							 name, argv[0]);
						ok = false;
						break;
					}
					buf = nb;
					cap = ncap;
				}
				memcpy(buf + len, tmp, keep);
				len += keep;
			}
		}
	}
	if (!ok || timed_out)
		kill(pid, SIGKILL);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "namespace %s: %s: waitpid: %s", name, argv[0],
				 strerror(errno));
			ok = false;
			break;
		}
	}
	if (ok)
		*status = netns_status(ws);
	if (timed_out) {
		snprintf(err, errlen, "namespace %s: %s: killed after %d ms", name, argv[0],
			 timeout_ms);
		ok = false;
	}
	if (out[0] >= 0)
		close(out[0]);
	if (in[0] >= 0)
		close(in[0]);
	if (output) {
		if (!buf)
			buf = calloc(1, 1);
		else
			buf[len] = '\0';
		*output = buf;
	} else {
		free(buf);
	}
	return ok;

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
