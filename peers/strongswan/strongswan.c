/* charon's lifecycle in a network namespace, and the peer_ops table.
 *
 * charon runs as our direct child (so it is reaped and killable), in the
 * case's network namespace and in a private mount namespace with a tmpfs
 * on /run, so its pid file and default sockets never meet another
 * charon's. Everything else goes through swanctl on a vici socket in the
 * driver's directory; unix sockets are found by path, so swanctl itself
 * runs in our namespace. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "peers/strongswan/strongswan.h"

#define SS_PATH 640
#define SS_START_MS 30000      /* charon to answer on vici (qemu without KVM
				  needs seconds just to start swanctl) */
#define SS_STATS_MS 5000       /* one swanctl --stats while it starts */
#define SS_CMD_MS 10000        /* one swanctl command */
#define SS_STOP_MS 3000        /* SIGTERM to exit, before SIGKILL */
#define SS_INITIATE_S 30       /* swanctl --initiate detaches after */
#define SS_DEFAULT_OVER 1440   /* 10% of strongSwan's default 4 h rekey */

struct ss_peer {
	struct peer pub;               /* first: ops get &pub */
	pid_t pid;                     /* charon */
	pid_t init_pid;                /* a background swanctl --initiate */
	bool libipsec;
	char conf[SS_PATH];            /* dir/strongswan.conf */
	char env_conf[SS_PATH + 20];   /* STRONGSWAN_CONF=... */
	char last_file[SS_PATH];       /* the last swanctl.conf loaded */
	uint32_t over_time;            /* of the loaded case (see conf.c) */
	uint32_t keepalive_s;          /* in strongswan.conf now (0: charon's default) */
	struct strongswan_watch watch; /* since the latest configure */
};

static const struct peer_ops ss_ops;

static void ss_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool ss_path(char *buf, size_t len, const char *dir, const char *file, char *err,
		    size_t errlen)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path %.200s/%s: longer than %zu bytes", dir, file, len - 1);
		return false;
	}
	return true;
}

static bool ss_write_file(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
	return ok;
}

/* mkdir -p */
static bool ss_mkdirs(const char *dir, char *err, size_t errlen)
{
	char p[SS_PATH];
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

/* The last len bytes of a file, for error messages ("" when unreadable). */
static void ss_tail(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		long from = size > (long)len - 1 ? size - ((long)len - 1) : 0;
		if (fseek(f, from, SEEK_SET) == 0) {
			size_t n = fread(buf, 1, len - 1, f);
			buf[n] = '\0';
		}
	}
	fclose(f);
	/* one line for the error text */
	for (char *s = buf; *s; s++)
		if (*s == '\n')
			*s = '|';
}

/* Wait for pid up to ms; true when it was reaped (*status set). */
static bool ss_reap(pid_t pid, unsigned ms, int *status)
{
	uint64_t end = clock_ms() + ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (clock_ms() >= end)
			return false;
		ss_sleep_ms(10);
	}
}

/* swanctl's output on fd until EOF or ms pass (*timed_out): what fits
 * into out (outlen - 1 bytes at most), the rest read and dropped.
 * Returns the bytes kept. */
static size_t ss_swanctl_collect(int fd, char *out, size_t outlen, unsigned ms, bool *timed_out)
{
	size_t got = 0;
	char scratch[512];
	uint64_t end = clock_ms() + ms;
	for (;;) {
		uint64_t now = clock_ms();
		if (now >= end) {
			*timed_out = true;
			break;
		}
		struct pollfd pf = { fd, POLLIN, 0 };
		int r = poll(&pf, 1, (int)(end - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*timed_out = r == 0;
			break;
		}
		/* keep what fits, drain the rest */
		char *dst = out && got + 1 < outlen ? out + got : scratch;
		size_t room = out && got + 1 < outlen ? outlen - 1 - got : sizeof(scratch);
		ssize_t k = read(fd, dst, room);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (dst != scratch)
			got += (size_t)k;
	}
	return got;
}

/* Run swanctl with our strongswan.conf, output captured (bounded) into
 * out; killed after ms. Returns the exit status, -1 when it could not run
 * or timed out (err says which). */
static int ss_swanctl(struct ss_peer *p, const char *const *args, char *out, size_t outlen,
		      unsigned ms, char *err, size_t errlen)
{
	const char *argv[16] = { "swanctl" };
	size_t n = 1;
	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	char *const envp[] = { p->env_conf, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "swanctl %s: pipe: %s", args[0], strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "swanctl %s: fork: %s", args[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execve(STRONGSWAN_SWANCTL, (char *const *)argv, envp);
		_exit(127);
	}
	close(fds[1]);
	bool timed_out = false;
	size_t got = ss_swanctl_collect(fds[0], out, outlen, ms, &timed_out);
	close(fds[0]);
	if (out && outlen)
		out[got] = '\0';
	int status = 0;
	if (timed_out || !ss_reap(pid, 1000, &status)) {
		kill(pid, SIGKILL);
		ss_reap(pid, 1000, &status);
		snprintf(err, errlen, "swanctl %s: no answer within %u ms", args[0], ms);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "swanctl %s: cannot run %s", args[0], STRONGSWAN_SWANCTL);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool strongswan_available(void)
{
	return access(STRONGSWAN_CHARON, X_OK) == 0 && access(STRONGSWAN_SWANCTL, X_OK) == 0;
}

bool strongswan_kernel_esp(void)
{
	static int probed = -1;
	if (probed >= 0)
		return probed;
	/* an ESP SA in a fresh, unnamed network namespace that vanishes with
	 * the command: nothing is left behind and no traffic is sent */
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (unshare(CLONE_NEWNET) < 0)
			_exit(126);
		execl("/usr/sbin/ip", "ip", "xfrm", "state", "add", "src", "192.0.2.1", "dst",
		      "192.0.2.2", "proto", "esp", "spi", "0x1000", "mode", "tunnel", "enc",
		      "cbc(aes)", "0x00112233445566778899aabbccddeeff", "auth", "hmac(sha1)",
		      "0x00112233445566778899aabbccddeeff00112233", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	bool ok = pid > 0 && ss_reap(pid, 5000, &status) && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0;
	if (pid > 0 && !ok && !WIFEXITED(status)) {
		kill(pid, SIGKILL);
		ss_reap(pid, 1000, &status);
	}
	probed = ok;
	log_info("strongswan: the kernel %s ESP SAs: charon uses %s", ok ? "accepts" : "refuses",
		 ok ? "kernel-netlink" : "kernel-libipsec (UDP-encapsulated ESP only)");
	return ok;
}

/* In the forked child: into the case's network namespace and a private
 * mount namespace with its own /run, then exec charon. Never returns. */
__attribute__((noreturn))
static void ss_charon_exec(const struct ss_peer *p, int nsfd, int outfd, pid_t parent)
{
	char *const argv[] = { (char *)"charon", NULL };
	char *const envp[] = { (char *)p->env_conf, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       NULL };
	/* charon must not outlive the driver's process */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	dup2(outfd, 1);
	dup2(outfd, 2);
	setpgid(0, 0);  /* not in the terminal's process group */
	const char *step = "setns";
	if (setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	/* private propagation first, or the tmpfs would show on the host */
	step = "mount --make-rprivate /";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	step = "mount tmpfs /run";
	if (mount("none", "/run", "tmpfs", 0, "mode=0755") < 0)
		goto fail;
	execve(STRONGSWAN_CHARON, argv, envp);
	step = "exec " STRONGSWAN_CHARON;
fail:
	dprintf(2, "ike-conform: charon start: %s: %s\n", step, strerror(errno));
	_exit(126);
}

/* Until charon answers `swanctl --stats` on sock (true), exits (false,
 * with the tails of its output and log), or SS_START_MS pass (false,
 * charon killed). */
static bool ss_start_wait(struct ss_peer *p, const char *sock, const char *outpath,
			  const char *logpath, char *err, size_t errlen)
{
	uint64_t end = clock_ms() + SS_START_MS;
	char out[256], e[256] = "";
	for (;;) {
		int status;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			char tail[600], otail[300];
			ss_tail(logpath, tail, sizeof(tail));
			ss_tail(outpath, otail, sizeof(otail));
			p->pid = 0;
			snprintf(err, errlen, "charon in '%s' exited (status %d) before answering; "
				 "charon.out: %s; charon.log: %s", p->pub.ns, status, otail, tail);
			return false;
		}
		if (access(sock, F_OK) == 0) {
			const char *args[] = { "--stats", NULL };
			if (ss_swanctl(p, args, out, sizeof(out), SS_STATS_MS, e, sizeof(e)) == 0)
				return true;
		}
		if (clock_ms() >= end)
			break;
		ss_sleep_ms(20);
	}
	char tail[600];
	ss_tail(logpath, tail, sizeof(tail));
	snprintf(err, errlen, "charon in '%s' did not answer on %s within %d ms (%s); "
		 "charon.log: %s", p->pub.ns, sock, SS_START_MS, *e ? e : "no socket", tail);
	kill(p->pid, SIGKILL);
	ss_reap(p->pid, 2000, NULL);
	p->pid = 0;
	return false;
}

/* Start charon and wait until vici answers. */
static bool ss_start(struct ss_peer *p, char *err, size_t errlen)
{
	char nspath[128], sock[SS_PATH], outpath[SS_PATH], logpath[SS_PATH];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", p->pub.ns);
	if (!ss_path(sock, sizeof(sock), p->pub.dir, "vici", err, errlen) ||
	    !ss_path(outpath, sizeof(outpath), p->pub.dir, "charon.out", err, errlen) ||
	    !ss_path(logpath, sizeof(logpath), p->pub.dir, "charon.log", err, errlen))
		return false;
	unlink(sock);  /* a dead charon's socket; ours, not an artifact */
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(err, errlen, "namespace '%s': %s: %s", p->pub.ns, nspath, strerror(errno));
		return false;
	}
	int outfd = open(outpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (outfd < 0) {
		snprintf(err, errlen, "opening %s: %s", outpath, strerror(errno));
		close(nsfd);
		return false;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "starting charon: fork: %s", strerror(errno));
		close(nsfd);
		close(outfd);
		return false;
	}
	if (pid == 0)
		ss_charon_exec(p, nsfd, outfd, parent);
	close(nsfd);
	close(outfd);
	p->pid = pid;
	return ss_start_wait(p, sock, outpath, logpath, err, errlen);
}

/* End charon: SIGTERM, then SIGKILL; always reaped. */
static void ss_kill(struct ss_peer *p)
{
	if (p->init_pid > 0) {
		kill(p->init_pid, SIGKILL);
		ss_reap(p->init_pid, 1000, NULL);
		p->init_pid = 0;
	}
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	if (!ss_reap(p->pid, SS_STOP_MS, NULL)) {
		kill(p->pid, SIGKILL);
		ss_reap(p->pid, 2000, NULL);
	}
	p->pid = 0;
}

/* Load a swanctl.conf; connections and secrets not in it are unloaded. */
static bool ss_load(struct ss_peer *p, const char *file, char *err, size_t errlen)
{
	char out[2048], e[256];
	const char *args[] = { "--load-all", "--clear", "--noprompt", "--file", file, NULL };
	int rc = ss_swanctl(p, args, out, sizeof(out), SS_CMD_MS, e, sizeof(e));
	if (rc != 0) {
		/* the directory warnings swanctl prints for --file are noise */
		char *s = out, *keep = out;
		while (*s) {
			char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
			if (strncmp(s, "opening directory", 17) != 0) {
				memmove(keep, s, n);
				keep += n;
			}
			s += n;
		}
		*keep = '\0';
		for (s = out; *s; s++)
			if (*s == '\n')
				*s = ' ';
		snprintf(err, errlen, "swanctl --load-all %s: %s", file,
			 rc < 0 ? e : out);
		return false;
	}
	return true;
}

bool strongswan_terminate(struct peer *pub, const char *name, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	char out[512], e[256];
	const char *args[] = { "--terminate", "--ike", name, "--force", NULL };
	int rc = ss_swanctl(p, args, out, sizeof(out), SS_CMD_MS, e, sizeof(e));
	if (rc == 0 || strstr(out, "no matching SAs"))
		return true;
	snprintf(err, errlen, "swanctl --terminate --ike %s: %s", name, rc < 0 ? e : out);
	return false;
}

/* Every IKE SA charon has, by unique ID. Terminating by connection name
 * misses a responder's half-open SAs: they have no name until mm5 picks a
 * config, and five of them from one address (charon.block_threshold) made
 * charon ignore the next case's mm1 until its half-open timeout (30 s). */
static bool ss_clear(struct ss_peer *p, char *err, size_t errlen)
{
	static char text[65536];  /* one clear at a time per process */
	char e[256], out[512], id[16];
	const char *list[] = { "--list-sas", "--noblock", "--pretty", NULL };
	int rc = ss_swanctl(p, list, text, sizeof(text), SS_CMD_MS, e, sizeof(e));
	if (rc != 0) {
		snprintf(err, errlen, "swanctl --list-sas: %.200s", rc < 0 ? e : text);
		return false;
	}
	uint32_t ids[64];
	size_t n = strongswan_parse_ike_ids(text, ids, sizeof(ids) / sizeof(ids[0]));
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%u", ids[i]);
		const char *args[] = { "--terminate", "--ike-id", id, "--force", NULL };
		rc = ss_swanctl(p, args, out, sizeof(out), SS_CMD_MS, e, sizeof(e));
		/* gone meanwhile (its own timeout, a Delete) is fine */
		if (rc != 0 && !strstr(out, "no matching SAs")) {
			snprintf(err, errlen, "swanctl --terminate --ike-id %s: %.200s", id,
				 rc < 0 ? e : out);
			ok = false;
		}
	}
	return ok;
}

/* Copy a file (the private key into the swanctl private/ folder). */
static bool ss_copy(const char *from, const char *to, char *err, size_t errlen)
{
	FILE *in = fopen(from, "rb");
	if (!in) {
		snprintf(err, errlen, "reading %s: %s", from, strerror(errno));
		return false;
	}
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!out) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return false;
	}
	char buf[4096];
	size_t n;
	bool ok = true;
	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	ok = !ferror(in) && ok;
	fclose(in);
	ok = fclose(out) == 0 && ok;
	if (!ok)
		snprintf(err, errlen, "copying %s to %s: %s", from, to, strerror(errno));
	return ok;
}

/* Every certificate of a PEM bundle into its own file dir/ca-N.pem: swanctl
 * loads one certificate per file from x509ca/ beside the swanctl.conf, and
 * trusts them all, so a bundle of root and intermediates verifies chains
 * whose peers send only their own certificate. */
static bool ss_split_cas(const char *bundle, const char *dir, char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	FILE *in = fopen(bundle, "r");
	if (!in) {
		snprintf(err, errlen, "reading %s: %s", bundle, strerror(errno));
		return false;
	}
	char line[512];
	FILE *out = NULL;
	int n = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), in)) {
		if (!out && strncmp(line, begin, sizeof(begin) - 1) == 0) {
			char name[32], path[SS_PATH];
			snprintf(name, sizeof(name), "ca-%d.pem", n++);
			if (!ss_path(path, sizeof(path), dir, name, err, errlen) ||
			    !(out = fopen(path, "w"))) {
				if (!out && !*err)
					snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
				ok = false;
				break;
			}
		}
		if (out) {
			ok = fputs(line, out) >= 0;
			if (strncmp(line, end, sizeof(end) - 1) == 0) {
				ok = fclose(out) == 0 && ok;
				out = NULL;
			}
		}
	}
	if (out)
		fclose(out);
	fclose(in);
	if (ok && n == 0) {
		snprintf(err, errlen, "%s: no PEM certificate", bundle);
		ok = false;
	}
	return ok;
}

/* Absolute paths for swanctl.conf (relative ones would be taken from
 * swanctl's own directories). */
static bool ss_abs(const char *in, char *buf, const char **out, char *err, size_t errlen)
{
	if (!in) {
		*out = NULL;
		return true;
	}
	if (!realpath(in, buf)) {
		snprintf(err, errlen, "%s: %s", in, strerror(errno));
		return false;
	}
	*out = buf;
	return true;
}

/* What charon cannot be told: refused, never run with its defaults. */
static bool ss_configure_refuse(const struct peer_case *c, char *err, size_t errlen)
{
	if (c->life_policy_set) {
		snprintf(err, errlen, "strongSwan has no lifetime policy setting (lifetime_policy is "
			 "for the self peer)");
		return false;
	}
	if (c->no_natt || c->natt) {
		snprintf(err, errlen, "strongSwan always announces NAT-T (RFC 3947 and the drafts); "
			 "natt is for the self peer");
		return false;
	}
	return true;
}

/* keep_alive is charon-wide: rewritten and reloaded when a case changes
 * it; an IKE SA reads it when it is made. */
static bool ss_configure_keepalive(struct ss_peer *p, const struct peer_case *c, char *err,
				   size_t errlen)
{
	uint32_t ka = (c->keepalive_ms + 999) / 1000;
	if (ka == p->keepalive_s)
		return true;
	char conf[4096], out[512], e[256];
	const char *args[] = { "--reload-settings", NULL };
	if (!strongswan_charon_conf(p->pub.dir, p->libipsec, ka, conf, sizeof(conf), err,
				    errlen) ||
	    !ss_write_file(p->conf, conf, err, errlen))
		return false;
	if (ss_swanctl(p, args, out, sizeof(out), SS_CMD_MS, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "swanctl --reload-settings: %s", e[0] ? e : out);
		return false;
	}
	p->keepalive_s = ka;
	return true;
}

/* swanctl --file loads keys from private/ beside the file, and CA
 * certificates from x509ca/. */
static bool ss_configure_pki(const char *dir, const struct peer_case *cc, char *err,
			     size_t errlen)
{
	char pdir[SS_PATH], kfile[SS_PATH];
	const char *base = strrchr(cc->key_path, '/') + 1;
	if (!ss_path(pdir, sizeof(pdir), dir, "private", err, errlen) ||
	    !ss_mkdirs(pdir, err, errlen) ||
	    !ss_path(kfile, sizeof(kfile), pdir, base, err, errlen) ||
	    !ss_copy(cc->key_path, kfile, err, errlen))
		return false;
	char cadir[SS_PATH];
	err[0] = '\0';
	if (cc->ca_path && (!ss_path(cadir, sizeof(cadir), dir, "x509ca", err, errlen) ||
			    !ss_mkdirs(cadir, err, errlen) ||
			    !ss_split_cas(cc->ca_path, cadir, err, errlen)))
		return false;
	return true;
}

/* swanctl.conf (with absolute PEM paths) into the case's artifacts, or
 * the driver's directory; its path into file. */
static bool ss_configure_files(struct ss_peer *p, const struct peer_case *c, char *file,
			       size_t filelen, char *err, size_t errlen)
{
	struct peer_case cc = *c;
	char key[PATH_MAX], cert[PATH_MAX], ca[PATH_MAX];
	if (!ss_abs(c->key_path, key, &cc.key_path, err, errlen) ||
	    !ss_abs(c->cert_path, cert, &cc.cert_path, err, errlen) ||
	    !ss_abs(c->ca_path, ca, &cc.ca_path, err, errlen))
		return false;
	static char text[32768];  /* one configure at a time per process */
	if (!strongswan_swanctl_conf(&cc, text, sizeof(text), err, errlen))
		return false;
	const char *dir = c->artifacts ? c->artifacts : p->pub.dir;
	if (!ss_mkdirs(dir, err, errlen) ||
	    !ss_path(file, filelen, dir, "swanctl.conf", err, errlen) ||
	    !ss_write_file(file, text, err, errlen))
		return false;
	if (cc.key_path && c->auth != IKE_AUTH_PSK && !ss_configure_pki(dir, &cc, err, errlen))
		return false;
	return true;
}

static bool ss_configure(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	char file[SS_PATH];
	if (!ss_configure_refuse(c, err, errlen) || !ss_configure_keepalive(p, c, err, errlen) ||
	    !ss_configure_files(p, c, file, sizeof(file), err, errlen))
		return false;
	if (p->libipsec && !c->force_encap)
		log_warn("strongswan %s: kernel-libipsec installs only UDP-encapsulated ESP; "
			 "without force_encap the child SA needs a real NAT", c->name);
	/* the earlier cases' SAs go first, so they cannot answer for this one
	   nor count against charon's per-IP half-open limit */
	char e[256];
	if (!ss_clear(p, e, sizeof(e)))
		log_warn("strongswan %s: %s", c->name, e);
	strongswan_watch_start(pub, &p->watch);
	if (!ss_load(p, file, err, errlen))
		return false;
	snprintf(p->last_file, sizeof(p->last_file), "%s", file);
	uint32_t life = c->np1 ? c->p1[0].life_sec : 0;
	p->over_time = life ? strongswan_over_time(life) : SS_DEFAULT_OVER;
	return true;
}

/* Reap a finished background initiate; kill one still running. */
static void ss_reap_initiate(struct ss_peer *p, bool force)
{
	if (p->init_pid <= 0)
		return;
	if (force)
		kill(p->init_pid, SIGKILL);
	if (ss_reap(p->init_pid, force ? 1000 : 0, NULL))
		p->init_pid = 0;
}

static bool ss_initiate(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	ss_reap_initiate(p, true);
	const char *dir = c->artifacts ? c->artifacts : p->pub.dir;
	char logpath[SS_PATH], tmo[16];
	if (!ss_path(logpath, sizeof(logpath), dir, "initiate.log", err, errlen))
		return false;
	snprintf(tmo, sizeof(tmo), "%d", SS_INITIATE_S);
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "opening %s: %s", logpath, strerror(errno));
		return false;
	}
	const char *argv[] = { "swanctl", "--initiate", "--child", c->name, "--ike", c->name,
			       "--timeout", tmo, NULL };
	char *const envp[] = { p->env_conf, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	/* in the background: the caller's engine must answer meanwhile */
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "swanctl --initiate %s: fork: %s", c->name, strerror(errno));
		close(fd);
		return false;
	}
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execve(STRONGSWAN_SWANCTL, (char *const *)argv, envp);
		_exit(127);
	}
	close(fd);
	p->init_pid = pid;
	return true;
}

static bool ss_view(struct peer *pub, const struct peer_case *c, struct peer_sa_view *out,
		    char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	ss_reap_initiate(p, false);
	static char text[65536];  /* one view at a time per process */
	char e[256];
	const char *args[] = { "--list-sas", "--ike", c->name, "--noblock", "--pretty", NULL };
	int rc = ss_swanctl(p, args, text, sizeof(text), SS_CMD_MS, e, sizeof(e));
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errlen, "swanctl --list-sas --ike %s: %s", c->name,
			 rc < 0 ? e : text);
		return false;
	}
	if (!strongswan_parse_sas(text, c->name, out, err, errlen))
		return false;
	if (out->present)
		out->life_sec += p->over_time;  /* reauth + over_time: the hard end */
	return true;
}

static bool ss_alive(struct peer *pub, bool *restarted, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	*restarted = false;
	ss_reap_initiate(p, false);
	int status = 0;
	bool dead = p->pid <= 0 || waitpid(p->pid, &status, WNOHANG) == p->pid;
	char why[200] = "";
	if (dead) {
		if (p->pid > 0 && WIFSIGNALED(status))
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
		else if (p->pid > 0)
			snprintf(why, sizeof(why), "exited with %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "not running");
		p->pid = 0;
	} else {
		char out[256], e[200];
		const char *args[] = { "--stats", NULL };
		if (ss_swanctl(p, args, out, sizeof(out), 3000, e, sizeof(e)) == 0)
			return true;
		/* running but deaf: no better than dead */
		snprintf(why, sizeof(why), "not answering on vici (%.150s)", e[0] ? e : out);
		ss_kill(p);
	}
	log_warn("strongswan: charon in '%s' %s: restarting", p->pub.ns, why);
	if (!ss_start(p, err, errlen))
		return false;
	*restarted = true;
	if (p->last_file[0] && !ss_load(p, p->last_file, err, errlen))
		return false;
	return true;
}

static void ss_stop(struct peer *pub)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	if (!p)
		return;
	ss_kill(p);
	free(p);
}

static bool ss_calm(struct peer *pub, const struct peer_case *c, size_t limit, size_t *count,
		    char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	return strongswan_watch_check(pub, &p->watch, c->name, limit, count, err, errlen);
}

static const struct peer_ops ss_ops = {
	.name = "strongswan",
	.configure = ss_configure,
	.initiate = ss_initiate,
	.view = ss_view,
	.alive = ss_alive,
	.calm = ss_calm,
	.stop = ss_stop,
};

struct peer *strongswan_new(const char *ns, const char *dir, char *err, size_t errlen)
{
	if (!strongswan_available()) {
		snprintf(err, errlen, "strongSwan is not installed (%s, %s)", STRONGSWAN_CHARON,
			 STRONGSWAN_SWANCTL);
		return NULL;
	}
	if (!ns || !*ns || strlen(ns) >= sizeof(((struct peer *)0)->ns) || strchr(ns, '/')) {
		snprintf(err, errlen, "namespace name '%s': empty, too long or with '/'",
			 ns ? ns : "(null)");
		return NULL;
	}
	if (!dir) {
		snprintf(err, errlen, "no directory for charon");
		return NULL;
	}
	if (!ss_mkdirs(dir, err, errlen))
		return NULL;
	struct ss_peer *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "strongswan: out of memory");
		return NULL;
	}
	p->pub.ops = &ss_ops;
	snprintf(p->pub.ns, sizeof(p->pub.ns), "%s", ns);
	char abs[PATH_MAX];
	if (!realpath(dir, abs) || strlen(abs) >= sizeof(p->pub.dir)) {
		snprintf(err, errlen, "directory %s: %s", dir,
			 errno ? strerror(errno) : "path too long");
		free(p);
		return NULL;
	}
	memcpy(p->pub.dir, abs, strlen(abs) + 1);  /* length checked above */
	snprintf(p->pub.log, sizeof(p->pub.log), "%s/charon.log", abs);
	p->libipsec = !strongswan_kernel_esp();
	p->over_time = SS_DEFAULT_OVER;
	char text[4096];
	if (!ss_path(p->conf, sizeof(p->conf), abs, "strongswan.conf", err, errlen) ||
	    !strongswan_charon_conf(abs, p->libipsec, 0, text, sizeof(text), err, errlen) ||
	    !ss_write_file(p->conf, text, err, errlen)) {
		free(p);
		return NULL;
	}
	snprintf(p->env_conf, sizeof(p->env_conf), "STRONGSWAN_CONF=%s", p->conf);
	if (!ss_start(p, err, errlen)) {
		free(p);
		return NULL;
	}
	return &p->pub;
}

pid_t strongswan_pid(const struct peer *pub)
{
	return pub ? ((const struct ss_peer *)pub)->pid : 0;
}

void strongswan_watch_start(struct peer *pub, struct strongswan_watch *w)
{
	char path[SS_PATH], e[256];
	struct stat st;
	w->offset = 0;
	if (ss_path(path, sizeof(path), pub->dir, "charon.log", e, sizeof(e)) &&
	    stat(path, &st) == 0)
		w->offset = (long)st.st_size;
	w->start_ms = clock_ms();
}

bool strongswan_watch_check(struct peer *pub, const struct strongswan_watch *w, const char *name,
			    size_t limit, size_t *count, char *err, size_t errlen)
{
	enum { SS_LOG_MAX = 16 << 20 };
	char path[SS_PATH];
	if (count)
		*count = 0;
	if (!ss_path(path, sizeof(path), pub->dir, "charon.log", err, errlen))
		return false;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
		return false;
	}
	size_t n = 0;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long end = ftell(f);
		long from = w->offset <= end ? w->offset : 0;  /* a new log after a restart */
		if (end - from > SS_LOG_MAX)
			from = end - SS_LOG_MAX;  /* a loop this long is caught anyway */
		buf = malloc((size_t)(end - from) + 1);
		if (buf && fseek(f, from, SEEK_SET) == 0)
			n = fread(buf, 1, (size_t)(end - from), f);
	}
	fclose(f);
	size_t k = buf ? strongswan_count_attempts(buf, n, name) : 0;
	free(buf);
	if (count)
		*count = k;
	if (k > limit) {
		snprintf(err, errlen, "peer loops: %zu attempts in %llu ms", k,
			 (unsigned long long)(clock_ms() - w->start_ms));
		return false;
	}
	return true;
}

static struct peer *ss_driver_start(const struct peer_start *s, char *err, size_t errlen)
{
	return strongswan_new(s->ns, s->dir, err, errlen);
}

static bool ss_driver_available(char *why, size_t len)
{
	if (strongswan_available())
		return true;
	snprintf(why, len, "strongSwan (charon, swanctl) is not installed; make deps installs it");
	return false;
}

/* kernel-libipsec knows only ESP in UDP, and claims a NAT for it */
static bool ss_driver_udp_only(void)
{
	return !strongswan_kernel_esp();
}

const struct peer_driver strongswan_driver = {
	.name = "strongswan", .start = ss_driver_start, .available = ss_driver_available,
	.udp_only = ss_driver_udp_only,
};
