/* pluto's lifecycle in a network namespace, its tools, and the peer_ops.
 *
 * pluto runs as our direct child (reaped, killable, its own process
 * group), in the case's network namespace and a private mount namespace:
 * a tmpfs on /run, and the unpacked tree's /usr/libexec bound over the
 * system's, because pluto runs addconn by its hard-coded path. Its control
 * socket, log, NSS database and files live in the driver's directory, so
 * the tree's whack and addconn reach it by path from our own namespace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "core/clock.h"
#include "core/log.h"
#include "peers/libreswan/libreswan.h"
#include "pki/pki.h"

#define LSW_PATH 640
#define LSW_START_MS 30000     /* pluto to answer whack (qemu without KVM is slow) */
#define LSW_CMD_MS 10000       /* one whack, addconn or NSS tool */
#define LSW_STOP_MS 3000       /* whack --shutdown to end pluto, before SIGKILL */
#define LSW_OUT_MAX (256u << 10) /* a tool's output kept (states of a few SAs) */
#define LSW_LOG_MAX (16u << 20)  /* pluto's log read for one case */
#define LSW_MAX_NICKS 40       /* NSS entries of one case (key, CAs, chain) */

struct lsw_peer {
	struct peer pub;               /* first: ops get &pub */
	pid_t pid;                     /* pluto */
	char tree[LSW_PATH];           /* the unpacked libreswan */
	char sock[LSW_PATH];           /* dir/run/pluto.ctl */
	char conf[LSW_PATH];           /* dir/ipsec.conf: setup and the case's conn */
	char nss[LSW_PATH + 8];        /* sql:dir/nss */
	char env_ld[LSW_PATH + 32];    /* LD_LIBRARY_PATH=tree/usr/lib/... */
	char conn[80];                 /* the conn loaded ("" none) */
	uint16_t pfs;                  /* its configured PFS group */
	char nicks[LSW_MAX_NICKS][96]; /* NSS entries the case added */
	size_t nnicks;
	long watch_off;                /* pluto.log bytes before the case */
	uint64_t watch_ms;
};

static const struct peer_ops lsw_ops;

static void lsw_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool lsw_path(char *buf, size_t len, const char *dir, const char *file, char *err,
		     size_t errlen)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path %.200s/%s: longer than %zu bytes", dir, file, len - 1);
		return false;
	}
	return true;
}

static bool lsw_write_file(const char *path, const char *text, mode_t mode, char *err,
			   size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
	return ok;
}

/* mkdir -p */
static bool lsw_mkdirs(const char *dir, char *err, size_t errlen)
{
	char p[LSW_PATH];
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p)) {
		snprintf(err, errlen, "directory %s: path too long", dir);
		return false;
	}
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "creating %s: %s", p, strerror(errno));
				return false;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	return true;
}

/* rm -r of a directory we made (regular files and directories only). */
static void lsw_rm_tree(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", "--one-file-system", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Wait for pid up to ms; true when it was reaped (*status set). */
static bool lsw_reap(pid_t pid, unsigned ms, int *status)
{
	uint64_t end = clock_ms() + ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (clock_ms() >= end)
			return false;
		lsw_sleep_ms(5);
	}
}

void libreswan_tree(char *buf, size_t len)
{
	const char *env = getenv("IKEC_LIBRESWAN");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/libreswan", n > 0 ? exe : ".");
}

bool libreswan_available(char *why, size_t len)
{
	char tree[LSW_PATH], pluto[LSW_PATH + 40];
	libreswan_tree(tree, sizeof(tree));
	snprintf(pluto, sizeof(pluto), "%s/%s", tree, LIBRESWAN_PLUTO);
	if (access(pluto, X_OK) != 0) {
		snprintf(why, len, "libreswan is not unpacked (no %s): run ci/libreswan.sh DIR and "
			 "set IKEC_LIBRESWAN=DIR", pluto);
		return false;
	}
	if (access(LIBRESWAN_CERTUTIL, X_OK) != 0 || access(LIBRESWAN_PK12UTIL, X_OK) != 0) {
		snprintf(why, len, "libreswan's NSS database needs certutil and pk12util "
			 "(libnss3-tools; make deps installs it)");
		return false;
	}
	return true;
}

/* ---- running the tools ---- */

/* The child of lsw_run: output into the pipe, the tree's libraries. */
__attribute__((noreturn))
static void lsw_run_exec(const struct lsw_peer *p, char *const argv[], int outfd)
{
	char *const envp[] = { (char *)p->env_ld, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       NULL };
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(outfd, 1);
	dup2(outfd, 2);
	execve(argv[0], argv, envp);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Run argv (argv[0] a path) with its output into out (NUL-terminated, cut
 * at outlen); its exit status into *status (-1 when killed at the bound).
 * False only when it could not be run. */
static bool lsw_run(const struct lsw_peer *p, char *const argv[], char *out, size_t outlen,
		    int *status, char *err, size_t errlen)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno));
		return false;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "%s: fork: %s", argv[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0)
		lsw_run_exec(p, argv, fds[1]);
	close(fds[1]);
	size_t n = 0;
	uint64_t end = clock_ms() + LSW_CMD_MS;
	for (;;) {
		uint64_t now = clock_ms();
		struct pollfd pf = { fds[0], POLLIN, 0 };
		if (now >= end || poll(&pf, 1, (int)(end - now)) <= 0)
			break;
		char tmp[4096];
		ssize_t k = read(fds[0], tmp, sizeof(tmp));
		if (k <= 0)
			break;
		size_t take = (size_t)k < outlen - 1 - n ? (size_t)k : outlen - 1 - n;
		memcpy(out + n, tmp, take);
		n += take;
	}
	out[n] = '\0';
	close(fds[0]);
	int st = 0;
	if (!lsw_reap(pid, clock_ms() < end ? (unsigned)(end - clock_ms()) : 0, &st)) {
		kill(pid, SIGKILL);
		lsw_reap(pid, 2000, &st);
		*status = -1;
		return true;
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return true;
}

/* whack --ctlsocket SOCK args... into out; false with err when whack fails
 * (its output in the message). */
static bool lsw_whack(const struct lsw_peer *p, const char *const *args, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	char whack[LSW_PATH + 40];
	snprintf(whack, sizeof(whack), "%s/%s", p->tree, LIBRESWAN_WHACK);
	char *argv[16] = { whack, (char *)"--ctlsocket", (char *)p->sock };
	size_t k = 3;
	for (size_t i = 0; args[i] && k < 15; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	int status;
	if (!lsw_run(p, argv, out, outlen, &status, err, errlen))
		return false;
	if (status == 0)
		return true;
	snprintf(err, errlen, "whack %s: exit %d: %.300s", args[0], status, out);
	return false;
}

/* whack with a small output buffer of its own. */
static bool lsw_whack_quiet(const struct lsw_peer *p, const char *const *args, char *err,
			    size_t errlen)
{
	char out[2048];
	return lsw_whack(p, args, out, sizeof(out), err, errlen);
}

/* One NSS tool run on pluto's database: argv after the program. */
static bool lsw_nss_tool(const struct lsw_peer *p, const char *tool, const char *const *args,
			 char *err, size_t errlen)
{
	char *argv[20] = { (char *)tool };
	size_t k = 1;
	for (size_t i = 0; args[i] && k < 19; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	char out[2048];
	int status;
	if (!lsw_run(p, argv, out, sizeof(out), &status, err, errlen))
		return false;
	if (status == 0)
		return true;
	snprintf(err, errlen, "%s %s: exit %d: %.300s", strrchr(tool, '/') + 1, args[0], status,
		 out);
	return false;
}
