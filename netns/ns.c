/* netns: namespaces by name (iproute2's /run/netns), entering them,
 * finding and killing their processes, the crash-cleanup registry. */
#include "netns/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "netns/internal.h"

#define NETNS_PATH_MAX (sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX)
#define NETNS_REG_MAX 64

/* What this process created and has not removed. Filled before the
 * namespace is mounted and read by a signal handler, so paths are
 * precomputed and 'used' is set last. */
static struct {
	volatile sig_atomic_t used;
	char path[NETNS_PATH_MAX];
} netns_reg[NETNS_REG_MAX];
static pid_t netns_reg_owner;
static bool netns_reg_atexit;

bool netns_prefix_valid(const char *prefix, char *err, size_t errlen)
{
	size_t n = prefix ? strlen(prefix) : 0;
	if (n == 0 || n > NETNS_PREFIX_MAX) {
		snprintf(err, errlen, "namespace prefix '%s' must have 1 to %d characters",
			 prefix ? prefix : "", NETNS_PREFIX_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = prefix[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			snprintf(err, errlen,
				 "namespace prefix '%s': only letters, digits and '_' are allowed",
				 prefix);
			return false;
		}
	}
	return true;
}

/* A name must be one path component that iproute2 would accept. */
static bool netns_name_valid(const char *name, char *err, size_t errlen)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= NETNS_NAME_MAX || name[0] == '.' || strchr(name, '/')) {
		snprintf(err, errlen, "bad namespace name '%s'", name ? name : "");
		return false;
	}
	return true;
}

bool netns_path(const char *name, char *path, size_t len, char *err, size_t errlen)
{
	if (!netns_name_valid(name, err, errlen))
		return false;
	int n = snprintf(path, len, "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "namespace name '%s' too long", name);
		return false;
	}
	return true;
}

/* ---- registry ---- */

static void netns_reg_own(void)
{
	/* A forked child inherits the parent's entries; they are not its to
	 * remove. */
	pid_t me = getpid();
	if (netns_reg_owner != me) {
		for (size_t i = 0; i < NETNS_REG_MAX; i++)
			netns_reg[i].used = 0;
		netns_reg_owner = me;
	}
}

static void netns_reg_add(const char *path)
{
	netns_reg_own();
	if (!netns_reg_atexit) {
		atexit(netns_cleanup_all);
		netns_reg_atexit = true;
	}
	for (size_t i = 0; i < NETNS_REG_MAX; i++) {
		if (netns_reg[i].used)
			continue;
		snprintf(netns_reg[i].path, sizeof(netns_reg[i].path), "%s", path);
		netns_reg[i].used = 1;
		return;
	}
	log_warn("netns: more than %d namespaces at once; %s is not removed after a crash",
		 NETNS_REG_MAX, path);
}

static void netns_reg_del(const char *path)
{
	if (netns_reg_owner != getpid())
		return;
	for (size_t i = 0; i < NETNS_REG_MAX; i++)
		if (netns_reg[i].used && !strcmp(netns_reg[i].path, path))
			netns_reg[i].used = 0;
}

/* ---- finding processes (syscalls only: the signal path uses this) ---- */

struct netns_dirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Send sig to every process (never this one) whose network namespace is
 * dev/ino; how many matched, -1 when /proc could not be read. */
static int netns_signal_ino(dev_t dev, ino_t ino, int sig)
{
	char buf[4096] __attribute__((aligned(8)));
	char path[64];
	pid_t self = getpid();
	int found = 0;
	int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct netns_dirent64 *d = (struct netns_dirent64 *)(buf + off);
			off += d->d_reclen;
			pid_t pid = 0;
			const char *s = d->d_name;
			if (!*s)
				continue;
			for (; *s >= '0' && *s <= '9' && pid < 10000000; s++)
				pid = pid * 10 + (*s - '0');
			if (*s || pid <= 0 || pid == self)
				continue;
			/* "/proc/" + pid + "/ns/net" by hand: no snprintf here. */
			char num[16];
			int k = 0;
			for (pid_t p = pid; p && k < (int)sizeof(num); p /= 10)
				num[k++] = (char)('0' + p % 10);
			size_t j = 0;
			memcpy(path, "/proc/", 6);
			j = 6;
			while (k > 0)
				path[j++] = num[--k];
			memcpy(path + j, "/ns/net", 8);
			struct stat st;
			if (stat(path, &st) < 0 || st.st_dev != dev || st.st_ino != ino)
				continue;
			found++;
			if (sig)
				kill(pid, sig);
		}
	}
	close(dfd);
	return found;
}

static void netns_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int netns_count_procs(const char *name, char *err, size_t errlen)
{
	char path[NETNS_PATH_MAX];
	struct stat st;
	if (!netns_path(name, path, sizeof(path), err, errlen))
		return -1;
	if (!netns_exists(name))
		return 0;
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "namespace %s: stat %s: %s", name, path, strerror(errno));
		return -1;
	}
	int n = netns_signal_ino(st.st_dev, st.st_ino, 0);
	if (n < 0)
		snprintf(err, errlen, "namespace %s: cannot read /proc: %s", name, strerror(errno));
	return n;
}

int netns_kill_procs(const char *name, int grace_ms, char *err, size_t errlen)
{
	char path[NETNS_PATH_MAX];
	struct stat st;
	if (!netns_path(name, path, sizeof(path), err, errlen))
		return -1;
	if (!netns_exists(name))
		return 0; /* gone, or a bare file a crash left before the mount */
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "namespace %s: stat %s: %s", name, path, strerror(errno));
		return -1;
	}
	int found = netns_signal_ino(st.st_dev, st.st_ino, SIGTERM);
	if (found < 0) {
		snprintf(err, errlen, "namespace %s: cannot read /proc: %s", name, strerror(errno));
		return -1;
	}
	/* Short polls: most processes leave within a millisecond or two. */
	int waited = 0, left = found;
	while (left > 0 && waited < grace_ms) {
		netns_sleep_ms(2);
		waited += 2;
		left = netns_signal_ino(st.st_dev, st.st_ino, 0);
	}
	for (int i = 0; left > 0 && i < 500; i++) {
		netns_signal_ino(st.st_dev, st.st_ino, SIGKILL);
		netns_sleep_ms(2);
		left = netns_signal_ino(st.st_dev, st.st_ino, 0);
	}
	if (left > 0) {
		snprintf(err, errlen, "namespace %s: %d processes survive SIGKILL", name, left);
		return -1;
	}
	return found;
}

/* ---- creation and removal ---- */

/* Like iproute2: /run/netns is a shared mount, so namespaces mounted on it
 * are seen in every mount namespace that sees /run/netns (a charon in its
 * own mount namespace, say). */
static bool netns_run_dir(char *err, size_t errlen)
{
	static bool done;
	if (done)
		return true;
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", NETNS_RUN_DIR, strerror(errno));
		return false;
	}
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL ||
		    mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
		    mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
			snprintf(err, errlen, "cannot make %s a shared mount: %s", NETNS_RUN_DIR,
				 strerror(errno));
			return false;
		}
	}
	done = true;
	return true;
}

bool netns_exists(const char *name)
{
	char path[NETNS_PATH_MAX], err[64];
	struct stat st, dir;
	if (!netns_path(name, path, sizeof(path), err, sizeof(err)))
		return false;
	/* Mounted: the file's device is nsfs, not the directory's. */
	return stat(path, &st) == 0 && stat(NETNS_RUN_DIR, &dir) == 0 && st.st_dev != dir.st_dev;
}

bool netns_create(const char *name, char *err, size_t errlen)
{
	char path[NETNS_PATH_MAX];
	if (!netns_path(name, path, sizeof(path), err, errlen) || !netns_run_dir(err, errlen))
		return false;
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "namespace %s: create %s: %s", name, path, strerror(errno));
		return false;
	}
	close(fd);
	netns_reg_add(path);

	/* The new namespace is made in a child, so the caller's threads never
	 * change namespace; the bind mount keeps it alive after the child. */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "namespace %s: pipe: %s", name, strerror(errno));
		goto fail;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "namespace %s: fork: %s", name, strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		goto fail;
	}
	if (pid == 0) {
		int r[2] = { 0, 0 };
		close(pfd[0]);
		if (unshare(CLONE_NEWNET) < 0)
			r[0] = 1, r[1] = errno;
		else if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			r[0] = 2, r[1] = errno;
		if (write(pfd[1], r, sizeof(r)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	int r[2] = { 3, 0 };
	ssize_t got;
	do
		got = read(pfd[0], r, sizeof(r));
	while (got < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(r) || r[0]) {
		static const char *const step[] = { "", "unshare(CLONE_NEWNET)", "bind mount",
						    "child" };
		snprintf(err, errlen, "namespace %s: %s: %s", name, step[r[0] & 3],
			 got == (ssize_t)sizeof(r) ? strerror(r[1]) : "died");
		goto fail;
	}
	return true;
fail:
	unlink(path);
	netns_reg_del(path);
	return false;
}

bool netns_remove(const char *name, char *err, size_t errlen)
{
	char path[NETNS_PATH_MAX];
	struct stat st;
	if (!netns_path(name, path, sizeof(path), err, errlen))
		return false;
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		netns_reg_del(path);
		return true;
	}
	bool ok = true;
	if (netns_exists(name) && netns_kill_procs(name, 200, err, errlen) < 0)
		ok = false;
	/* Detach: a process that still holds an fd keeps the namespace, but
	 * the name goes. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && ok) {
		snprintf(err, errlen, "namespace %s: umount %s: %s", name, path, strerror(errno));
		ok = false;
	}
	if (unlink(path) < 0 && errno != ENOENT && ok) {
		snprintf(err, errlen, "namespace %s: unlink %s: %s", name, path, strerror(errno));
		ok = false;
	}
	netns_reg_del(path);
	return ok;
}

/* ---- entering ---- */

bool netns_open(const char *name, int *fd, char *err, size_t errlen)
{
	char path[NETNS_PATH_MAX];
	if (!netns_path(name, path, sizeof(path), err, errlen))
		return false;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		snprintf(err, errlen, "namespace %s: open %s: %s", name, path, strerror(errno));
		return false;
	}
	return true;
}

bool netns_enter(const char *name, struct netns_saved *saved, char *err, size_t errlen)
{
	int fd;
	saved->fd = -1;
	if (!netns_open(name, &fd, err, errlen))
		return false;
	saved->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved->fd < 0) {
		snprintf(err, errlen, "namespace %s: open the current namespace: %s", name,
			 strerror(errno));
		close(fd);
		return false;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "namespace %s: setns: %s", name, strerror(errno));
		close(fd);
		close(saved->fd);
		saved->fd = -1;
		return false;
	}
	close(fd);
	return true;
}

bool netns_leave(struct netns_saved *saved, char *err, size_t errlen)
{
	if (saved->fd < 0)
		return true;
	bool ok = setns(saved->fd, CLONE_NEWNET) == 0;
	if (!ok)
		snprintf(err, errlen, "setns back to the previous namespace: %s", strerror(errno));
	close(saved->fd);
	saved->fd = -1;
	return ok;
}

bool netns_sysctl(const char *name, const char *path, const char *value, char *err,
		  size_t errlen)
{
	char full[256];
	if (!path || path[0] == '/' || strstr(path, "..") ||
	    snprintf(full, sizeof(full), "/proc/sys/%s", path) >= (int)sizeof(full)) {
		snprintf(err, errlen, "namespace %s: bad sysctl path '%s'", name, path ? path : "");
		return false;
	}
	struct netns_saved saved;
	if (!netns_enter(name, &saved, err, errlen))
		return false;
	/* Net sysctls belong to the namespace of whoever opens them. */
	int fd = open(full, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0;
	size_t len = strlen(value);
	if (!ok)
		snprintf(err, errlen, "namespace %s: open %s: %s", name, full, strerror(errno));
	else if (write(fd, value, len) != (ssize_t)len) {
		snprintf(err, errlen, "namespace %s: write '%s' to %s: %s", name, value, full,
			 strerror(errno));
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	char lerr[128];
	if (!netns_leave(&saved, lerr, sizeof(lerr))) {
		snprintf(err, errlen, "namespace %s: %s", name, lerr);
		ok = false;
	}
	return ok;
}

/* ---- crash safety ---- */

void netns_cleanup_all(void)
{
	if (netns_reg_owner != getpid())
		return;
	int saved_errno = errno;
	for (size_t i = 0; i < NETNS_REG_MAX; i++) {
		if (!netns_reg[i].used)
			continue;
		struct stat st;
		/* No waiting here: whatever still runs inside dies at once. */
		if (stat(netns_reg[i].path, &st) == 0)
			netns_signal_ino(st.st_dev, st.st_ino, SIGKILL);
		umount2(netns_reg[i].path, MNT_DETACH);
		unlink(netns_reg[i].path);
		netns_reg[i].used = 0;
	}
	errno = saved_errno;
}

static void netns_on_signal(int sig)
{
	netns_cleanup_all();
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	/* Delivered with the default action as soon as the handler returns. */
	raise(sig);
}

bool netns_install_signal_cleanup(char *err, size_t errlen)
{
	/* SIGPIPE (`ike-conform smoke | head`) and the faults too: a crashed
	   run must not leave namespaces behind
	   (the fault then happens again, with the default action) */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGSEGV, SIGBUS, SIGABRT,
				    SIGFPE, SIGILL };
	struct sigaction sa = { .sa_handler = netns_on_signal };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0) {
			snprintf(err, errlen, "sigaction(%s): %s", strsignal(sigs[i]),
				 strerror(errno));
			return false;
		}
	}
	return true;
}

bool netns_cleanup_prefix(const char *prefix, void (*each)(const char *name, void *ctx),
			  void *ctx, unsigned *count, char *err, size_t errlen)
{
	*count = 0;
	if (!netns_prefix_valid(prefix, err, errlen))
		return false;
	DIR *d = opendir(NETNS_RUN_DIR);
	if (!d) {
		if (errno == ENOENT)
			return true;
		snprintf(err, errlen, "open %s: %s", NETNS_RUN_DIR, strerror(errno));
		return false;
	}
	/* Names first, removal after: unlinking while reading the directory
	 * may skip entries. */
	char (*names)[NETNS_NAME_MAX] = NULL;
	size_t n = 0, cap = 0, plen = strlen(prefix);
	bool ok = true;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, plen) || e->d_name[plen] != '-' ||
		    strlen(e->d_name) >= NETNS_NAME_MAX)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(names, ncap * sizeof(*names));
			if (!p) {
				snprintf(err, errlen, "out of memory listing %s", NETNS_RUN_DIR);
				ok = false;
				break;
			}
			names = p;
			cap = ncap;
		}
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1); /* length checked above */
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		char e1[256];
		if (!netns_remove(names[i], e1, sizeof(e1))) {
			if (ok)
				snprintf(err, errlen, "%s", e1);
			ok = false;
			continue;
		}
		(*count)++;
		if (each)
			each(names[i], ctx);
	}
	free(names);
	return ok;
}
