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
#define LSW_VIEW_LOG_MS 1000   /* for an established state's log line */
#define LSW_MAX_NICKS 40       /* NSS entries of one case (key, CAs, chain) */

struct lsw_peer {
	struct peer pub;               /* first: ops get &pub */
	pid_t pid;                     /* pluto */
	char tree[LSW_PATH];           /* the unpacked libreswan */
	char sock[LSW_PATH];           /* dir/run/pluto.ctl */
	char conf[LSW_PATH];           /* dir/ipsec.conf: setup and the case's conn */
	char nss[LSW_PATH + 8];        /* sql:dir/nss */
	char env_ld[LSW_PATH + 64];    /* LD_LIBRARY_PATH=tree/usr/lib/... */
	char conn[80];                 /* the conn loaded ("" none) */
	uint16_t pfs;                  /* its configured PFS group */
	char nicks[LSW_MAX_NICKS][96]; /* NSS entries the case added */
	size_t nnicks;
	bool crls;                     /* pluto started with CRLs in NSS */
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
		snprintf(err, errlen, "path %.120s/%.40s: longer than %zu bytes", dir, file, len - 1);
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

/* ---- pluto ---- */

/* In the forked child: into the namespace, a private mount namespace
 * with its own /run and the tree's /usr/libexec, then exec pluto. */
__attribute__((noreturn))
static void lsw_pluto_exec(const struct lsw_peer *p, int nsfd, int outfd, pid_t parent)
{
	char pluto[LSW_PATH + 40], libexec[LSW_PATH + 20], rundir[LSW_PATH + 8];
	snprintf(pluto, sizeof(pluto), "%s/%s", p->tree, LIBRESWAN_PLUTO);
	snprintf(libexec, sizeof(libexec), "%s/usr/libexec", p->tree);
	snprintf(rundir, sizeof(rundir), "%s/run", p->pub.dir);
	char *const argv[] = { (char *)"pluto", (char *)"--nofork", (char *)"--config",
			       (char *)p->conf, (char *)"--rundir", rundir, NULL };
	char *const envp[] = { (char *)p->env_ld, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       NULL };
	prctl(PR_SET_PDEATHSIG, SIGKILL);  /* never outlives the driver */
	if (getppid() != parent)
		_exit(1);
	dup2(outfd, 1);
	dup2(outfd, 2);
	setpgid(0, 0);  /* its group is killed whole */
	const char *step = "setns";
	if (setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	/* private propagation first, or the mounts would show on the host */
	step = "mount --make-rprivate /";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	step = "mount tmpfs /run";
	if (mount("none", "/run", "tmpfs", 0, "mode=0755") < 0)
		goto fail;
	step = "mount --bind TREE/usr/libexec /usr/libexec";
	if (mount(libexec, "/usr/libexec", NULL, MS_BIND | MS_REC, NULL) < 0)
		goto fail;
	execve(pluto, argv, envp);
	step = "exec pluto";
fail:
	dprintf(2, "ike-conform: pluto start: %s: %s\n", step, strerror(errno));
	_exit(126);
}

/* The last len bytes of a file, on one line ("" when unreadable). */
static void lsw_tail(const char *path, char *buf, size_t len)
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
	for (char *s = buf; *s; s++)
		if (*s == '\n')
			*s = '|';
}

/* Kill pluto's process group: SIGKILL, reaped. */
static void lsw_kill_hard(struct lsw_peer *p)
{
	if (p->pid <= 0)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	lsw_reap(p->pid, 2000, NULL);
	p->pid = 0;
}

/* Until whack --status answers (true), pluto exits, or LSW_START_MS pass. */
static bool lsw_start_wait(struct lsw_peer *p, const char *outpath, char *err, size_t errlen)
{
	uint64_t end = clock_ms() + LSW_START_MS;
	char e[300] = "";
	static const char *const status[] = { "--status", NULL };
	for (;;) {
		int st;
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			char tail[600], otail[300];
			lsw_tail(p->pub.log, tail, sizeof(tail));
			lsw_tail(outpath, otail, sizeof(otail));
			p->pid = 0;
			snprintf(err, errlen, "pluto in '%s' exited (status %d) before answering; "
				 "pluto.out: %s; pluto.log: %s", p->pub.ns, st, otail, tail);
			return false;
		}
		if (access(p->sock, F_OK) == 0 && lsw_whack_quiet(p, status, e, sizeof(e)))
			return true;
		if (clock_ms() >= end)
			break;
		lsw_sleep_ms(10);
	}
	char tail[600];
	lsw_tail(p->pub.log, tail, sizeof(tail));
	snprintf(err, errlen, "pluto in '%s' did not answer on %s within %d ms (%s); pluto.log: %s",
		 p->pub.ns, p->sock, LSW_START_MS, *e ? e : "no socket", tail);
	lsw_kill_hard(p);
	return false;
}

/* Start pluto (its stale socket and pid file removed) and wait for it. */
static bool lsw_start(struct lsw_peer *p, char *err, size_t errlen)
{
	char nspath[128], outpath[LSW_PATH], pidfile[LSW_PATH];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", p->pub.ns);
	if (!lsw_path(outpath, sizeof(outpath), p->pub.dir, "pluto.out", err, errlen) ||
	    !lsw_path(pidfile, sizeof(pidfile), p->pub.dir, "run/pluto.pid", err, errlen))
		return false;
	unlink(p->sock);
	unlink(pidfile);
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
		snprintf(err, errlen, "starting pluto: fork: %s", strerror(errno));
		close(nsfd);
		close(outfd);
		return false;
	}
	if (pid == 0)
		lsw_pluto_exec(p, nsfd, outfd, parent);
	close(nsfd);
	close(outfd);
	p->pid = pid;
	return lsw_start_wait(p, outpath, err, errlen);
}

/* End pluto: whack --shutdown, then SIGKILL; always reaped. */
static void lsw_kill(struct lsw_peer *p)
{
	if (p->pid <= 0)
		return;
	static const char *const shutdown[] = { "--shutdown", NULL };
	char e[300];
	if (waitpid(p->pid, NULL, WNOHANG) != p->pid && lsw_whack_quiet(p, shutdown, e, sizeof(e)) &&
	    lsw_reap(p->pid, LSW_STOP_MS, NULL)) {
		kill(-p->pid, SIGKILL);  /* anything it left in its group */
		p->pid = 0;
		return;
	}
	lsw_kill_hard(p);
}

/* ---- NSS: the case's key, certificate and CAs ---- */

static bool lsw_nss_init(struct lsw_peer *p, char *err, size_t errlen)
{
	char db[LSW_PATH];
	if (!lsw_path(db, sizeof(db), p->pub.dir, "nss/cert9.db", err, errlen))
		return false;
	if (access(db, F_OK) == 0)
		return true;
	const char *args[] = { "-N", "--empty-password", "-d", p->nss, NULL };
	return lsw_nss_tool(p, LIBRESWAN_CERTUTIL, args, err, errlen);
}

/* The previous case's entries deleted (keys with their certificates),
 * and every CRL. */
static void lsw_nss_clear(struct lsw_peer *p)
{
	char e[400];
	for (size_t i = 0; i < p->nnicks; i++) {
		const char *f[] = { "-F", "-n", p->nicks[i], "-d", p->nss, NULL };
		const char *d[] = { "-D", "-n", p->nicks[i], "-d", p->nss, NULL };
		/* -F takes a key and its certificate, -D a certificate alone:
		   one of them has nothing to do, quietly */
		lsw_nss_tool(p, LIBRESWAN_CERTUTIL, f, e, sizeof(e));
		lsw_nss_tool(p, LIBRESWAN_CERTUTIL, d, e, sizeof(e));
	}
	p->nnicks = 0;
	const char *crls[] = { "-E", "-t", "1", "-d", p->nss, NULL };
	lsw_nss_tool(p, LIBRESWAN_CRLUTIL, crls, e, sizeof(e));  /* none: quietly */
}

static bool lsw_nick_add(struct lsw_peer *p, const char *nick, char *err, size_t errlen)
{
	if (p->nnicks >= LSW_MAX_NICKS) {
		snprintf(err, errlen, "more than %d NSS entries for one case", LSW_MAX_NICKS);
		return false;
	}
	snprintf(p->nicks[p->nnicks++], sizeof(p->nicks[0]), "%s", nick);
	return true;
}

/* The key and certificate as a PKCS#12 file with an empty password,
 * named nick, for pk12util. */
static bool lsw_write_p12(const struct peer_case *c, const char *nick, const char *path,
			  char *err, size_t errlen)
{
	struct pki_err pe;
	EVP_PKEY *key = pki_load_key(c->key_path, &pe);
	X509 *cert = key ? pki_load_cert(c->cert_path, &pe) : NULL;
	PKCS12 *p12 = cert ? PKCS12_create("", nick, key, cert, NULL, 0, 0, 0, 0, 0) : NULL;
	FILE *f = p12 ? fopen(path, "wb") : NULL;
	bool ok = f && i2d_PKCS12_fp(f, p12) == 1;
	if (f)
		ok = fclose(f) == 0 && ok;
	if (!ok)
		snprintf(err, errlen, "%s: PKCS#12 of %s and %s into %s: %s", c->name, c->key_path,
			 c->cert_path, path, !cert ? pe.msg : "OpenSSL failed");
	PKCS12_free(p12);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok;
}

/* Every certificate of a PEM file into NSS with trust flags, as
 * nick-prefix<N>. */
static bool lsw_nss_certs(struct lsw_peer *p, const char *file, const char *prefix,
			  const char *trust, const char *tmpdir, char *err, size_t errlen)
{
	struct pki_err pe;
	STACK_OF(X509) *certs = pki_load_certs(file, &pe);
	if (!certs) {
		snprintf(err, errlen, "%s: %s", file, pe.msg);
		return false;
	}
	bool ok = true;
	for (int i = 0; ok && i < sk_X509_num(certs); i++) {
		char nick[96], path[LSW_PATH + 100];
		snprintf(nick, sizeof(nick), "%s%d", prefix, i + 1);
		snprintf(path, sizeof(path), "%s/%s.pem", tmpdir, nick);
		const char *args[] = { "-A", "-n", nick, "-t", trust, "-a", "-i", path, "-d", p->nss,
				       NULL };
		ok = pki_write_cert(path, sk_X509_value(certs, i), false, &pe);
		if (!ok)
			snprintf(err, errlen, "%s: %s", path, pe.msg);
		ok = ok && lsw_nss_tool(p, LIBRESWAN_CERTUTIL, args, err, errlen) &&
		     lsw_nick_add(p, nick, err, errlen);
	}
	pki_certs_free(certs);
	return ok;
}

/* Every CRL of the case's file into NSS (crlutil takes DER, one a file). */
static bool lsw_nss_crls(struct lsw_peer *p, const char *file, const char *tmpdir, char *err,
			 size_t errlen)
{
	struct pki_err pe;
	STACK_OF(X509_CRL) *crls = pki_load_crls(file, &pe);
	if (!crls) {
		snprintf(err, errlen, "%s: %s", file, pe.msg);
		return false;
	}
	bool ok = true;
	for (int i = 0; ok && i < sk_X509_CRL_num(crls); i++) {
		char path[LSW_PATH + 40];
		snprintf(path, sizeof(path), "%s/crl%d.der", tmpdir, i + 1);
		FILE *f = fopen(path, "wb");
		ok = f && i2d_X509_CRL_fp(f, sk_X509_CRL_value(crls, i)) == 1;
		if (f)
			ok = fclose(f) == 0 && ok;
		if (!ok)
			snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		const char *args[] = { "-I", "-t", "1", "-i", path, "-d", p->nss, NULL };
		ok = ok && lsw_nss_tool(p, LIBRESWAN_CRLUTIL, args, err, errlen);
	}
	pki_crls_free(crls);
	return ok;
}

/* The case's credentials into NSS: key and certificate as nick, the CAs
 * trusted (CT), the chain's intermediates known, the CRLs. */
static bool lsw_nss_load(struct lsw_peer *p, const struct peer_case *c, const char *nick,
			 char *err, size_t errlen)
{
	char tmp[LSW_PATH], p12[LSW_PATH + 100], prefix[100];
	if (!lsw_path(tmp, sizeof(tmp), p->pub.dir, "nss-import", err, errlen) ||
	    !peer_mkdirs(tmp, err, errlen))
		return false;
	snprintf(p12, sizeof(p12), "%s/%s.p12", tmp, nick);
	const char *args[] = { "-i", p12, "-W", "", "-d", p->nss, NULL };
	bool ok = lsw_write_p12(c, nick, p12, err, errlen) &&
		  lsw_nss_tool(p, LIBRESWAN_PK12UTIL, args, err, errlen) &&
		  lsw_nick_add(p, nick, err, errlen);
	snprintf(prefix, sizeof(prefix), "%s-ca", nick);
	ok = ok && (!c->ca_path ||
		    lsw_nss_certs(p, c->ca_path, prefix, "CT,,", tmp, err, errlen));
	snprintf(prefix, sizeof(prefix), "%s-im", nick);
	ok = ok && (!c->chain_path ||
		    lsw_nss_certs(p, c->chain_path, prefix, ",,", tmp, err, errlen));
	ok = ok && (!c->crl_path || lsw_nss_crls(p, c->crl_path, tmp, err, errlen));
	lsw_rm_tree(tmp);
	return ok;
}

/* ---- configure ---- */

/* The earlier case's conn deleted with its SAs (whack --delete sends the
 * Deletes), then any state still there. */
static void lsw_clear(struct lsw_peer *p)
{
	char e[400];
	if (p->conn[0]) {
		const char *del[] = { "--delete", "--name", p->conn, NULL };
		if (!lsw_whack_quiet(p, del, e, sizeof(e)))
			log_warn("libreswan: %s", e);
		p->conn[0] = '\0';
	}
	static const char *const show[] = { "--showstates", NULL };
	char *out = malloc(LSW_OUT_MAX);
	if (!out || !lsw_whack(p, show, out, LSW_OUT_MAX, e, sizeof(e))) {
		free(out);
		return;
	}
	for (const char *s = out; (s = strchr(s, '#')) != NULL; s++) {
		char *q;
		unsigned long n = strtoul(s + 1, &q, 10);
		if (q == s + 1 || *q != ':')
			continue;
		char num[24];
		snprintf(num, sizeof(num), "%lu", n);
		const char *ds[] = { "--deletestate", num, NULL };
		lsw_whack_quiet(p, ds, e, sizeof(e));
	}
	free(out);
}

/* What a signature case must bring. */
static bool lsw_configure_refuse(const struct peer_case *c, char *err, size_t errlen)
{
	if (c->auth == IKE_AUTH_RSA && (!c->key_path || !c->cert_path)) {
		snprintf(err, errlen, "%s: RSA without a key and certificate", c->name);
		return false;
	}
	return true;
}

/* ipsec.conf (setup and conn) and ipsec.secrets in the driver's directory,
 * copies in the case's artifacts. */
static bool lsw_configure_files(struct lsw_peer *p, const struct peer_case *c, const char *nick,
				char *err, size_t errlen)
{
	static char text[32768], secrets[8192];  /* one configure at a time */
	char secpath[LSW_PATH];
	size_t off;
	if (!libreswan_setup_conf(p->pub.dir, text, sizeof(text), err, errlen))
		return false;
	off = strlen(text);
	if (off + 2 >= sizeof(text))
		return false;
	text[off++] = '\n';
	if (!libreswan_conn_conf(c, nick, text + off, sizeof(text) - off, err, errlen) ||
	    !libreswan_secrets(c, secrets, sizeof(secrets), err, errlen) ||
	    !lsw_path(secpath, sizeof(secpath), p->pub.dir, "ipsec.secrets", err, errlen) ||
	    !lsw_write_file(p->conf, text, 0644, err, errlen) ||
	    !lsw_write_file(secpath, secrets, 0600, err, errlen))
		return false;
	if (!c->artifacts)
		return true;
	char a1[LSW_PATH], a2[LSW_PATH];
	return peer_mkdirs(c->artifacts, err, errlen) &&
	       lsw_path(a1, sizeof(a1), c->artifacts, "ipsec.conf", err, errlen) &&
	       lsw_path(a2, sizeof(a2), c->artifacts, "ipsec.secrets", err, errlen) &&
	       lsw_write_file(a1, text, 0644, err, errlen) &&
	       lsw_write_file(a2, secrets, 0600, err, errlen);
}

/* addconn NAME from dir/ipsec.conf, and the secrets read again. */
static bool lsw_load(struct lsw_peer *p, const char *name, char *err, size_t errlen)
{
	static const char *const reread[] = { "--rereadsecrets", NULL };
	if (!lsw_whack_quiet(p, reread, err, errlen))
		return false;
	char addconn[LSW_PATH + 40], out[4096];
	snprintf(addconn, sizeof(addconn), "%s/%s", p->tree, LIBRESWAN_ADDCONN);
	char *argv[] = { addconn, (char *)"--ctlsocket", p->sock, (char *)"--config", p->conf,
			 (char *)name, NULL };
	int status;
	if (!lsw_run(p, argv, out, sizeof(out), &status, err, errlen))
		return false;
	if (status != 0 || strstr(out, "did not load")) {
		for (char *s = out; *s; s++)
			if (*s == '\n')
				*s = '|';
		snprintf(err, errlen, "addconn %s: exit %d: %.400s", name, status, out);
		return false;
	}
	snprintf(p->conn, sizeof(p->conn), "%s", name);
	return true;
}

static bool lsw_configure(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	if (!lsw_configure_refuse(c, err, errlen))
		return false;
	char nick[96];
	snprintf(nick, sizeof(nick), "ikec-%s", c->name ? c->name : "case");
	/* the conn text first: a case pluto cannot be told changes nothing */
	static char probe[32768];
	if (!libreswan_conn_conf(c, nick, probe, sizeof(probe), err, errlen))
		return false;
	lsw_clear(p);
	lsw_nss_clear(p);
	if (c->auth == IKE_AUTH_RSA && !lsw_nss_load(p, c, nick, err, errlen))
		return false;
	/* NSS in pluto keeps what it learnt of an issuer's CRLs: it sees
	   CRLs added or erased by crlutil only when it starts again */
	bool crls = c->auth == IKE_AUTH_RSA && c->crl_path;
	if (crls || p->crls) {
		lsw_kill(p);
		if (!lsw_start(p, err, errlen))
			return false;
		p->crls = crls;
	}
	if (!lsw_configure_files(p, c, nick, err, errlen))
		return false;
	struct stat st;
	p->watch_off = stat(p->pub.log, &st) == 0 ? (long)st.st_size : 0;
	p->watch_ms = clock_ms();
	p->pfs = c->np2 ? c->p2[0].group : 0;
	return lsw_load(p, c->name, err, errlen);
}

/* ---- the ops ---- */

static bool lsw_initiate(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	const char *args[] = { "--initiate", "--name", c->name, "--asynchronous", NULL };
	return lsw_whack_quiet(p, args, err, errlen);
}

/* pluto's log since the case began (malloc'd, *len bytes); NULL when
 * unreadable. */
static char *lsw_case_log(const struct lsw_peer *p, size_t *len)
{
	*len = 0;
	FILE *f = fopen(p->pub.log, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long end = ftell(f);
		long from = p->watch_off <= end ? p->watch_off : 0;  /* a new log after a restart */
		if (end - from > (long)LSW_LOG_MAX)
			from = end - (long)LSW_LOG_MAX;
		buf = malloc((size_t)(end - from) + 1);
		if (buf && fseek(f, from, SEEK_SET) == 0)
			*len = fread(buf, 1, (size_t)(end - from), f);
		if (buf)
			buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* One reading of whack's states and counters and the case's log. */
static bool lsw_view_once(struct lsw_peer *p, const struct peer_case *c, struct peer_sa_view *out,
			  char *err, size_t errlen)
{
	static const char *const show[] = { "--showstates", NULL };
	static const char *const traffic[] = { "--trafficstatus", NULL };
	char *states = malloc(LSW_OUT_MAX), *tr = malloc(LSW_OUT_MAX);
	size_t len = 0;
	char *log = lsw_case_log(p, &len);
	bool ok = states && tr;
	if (!ok)
		snprintf(err, errlen, "libreswan view: out of memory");
	ok = ok && lsw_whack(p, show, states, LSW_OUT_MAX, err, errlen) &&
	     lsw_whack(p, traffic, tr, LSW_OUT_MAX, err, errlen);
	if (!ok)
		memset(out, 0, sizeof(*out));
	ok = ok && libreswan_parse_view(states, tr, log ? log : "", len, c->name, p->pfs, out, err,
					errlen);
	free(states);
	free(tr);
	free(log);
	return ok;
}

static bool lsw_view(struct peer *pub, const struct peer_case *c, struct peer_sa_view *out,
		     char *err, size_t errlen)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	/* pluto enters the established state before it logs what the SA
	   negotiated: a state without its log line is read again shortly */
	uint64_t end = clock_ms() + LSW_VIEW_LOG_MS;
	bool ok;
	while ((ok = lsw_view_once(p, c, out, err, errlen)) &&
	       ((out->present && !out->encr) || (out->child.present && !out->child.transform)) &&
	       clock_ms() < end)
		lsw_sleep_ms(20);
	if (!ok || !out->present)
		return ok;
	/* pluto's own ID is the conn's (whack prints no SA's IDs): as configured */
	out->local_id = c->local_id;
	if (!c->local_id.type) {
		out->local_id.type = c->local.family == AF_INET6 ? 5 : 1;
		out->local_id.len = c->local.family == AF_INET6 ? 16 : 4;
		memcpy(out->local_id.data, c->local.ip, out->local_id.len);
	}
	return true;
}

/* Reload the last conn after a restart. */
static bool lsw_reload(struct lsw_peer *p, char *err, size_t errlen)
{
	if (!p->conn[0])
		return true;
	char name[sizeof(p->conn)];
	snprintf(name, sizeof(name), "%s", p->conn);
	return lsw_load(p, name, err, errlen);
}

static bool lsw_alive(struct peer *pub, bool *restarted, char *err, size_t errlen)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	*restarted = false;
	int status = 0;
	bool dead = p->pid <= 0 || waitpid(p->pid, &status, WNOHANG) == p->pid;
	char why[400] = "";
	if (dead) {
		if (p->pid > 0 && WIFSIGNALED(status))
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
		else if (p->pid > 0)
			snprintf(why, sizeof(why), "exited with %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "not running");
		if (p->pid > 0)
			kill(-p->pid, SIGKILL);  /* what it left in its group */
		p->pid = 0;
	} else {
		static const char *const st[] = { "--status", NULL };
		char e[300];
		if (lsw_whack_quiet(p, st, e, sizeof(e)))
			return true;
		/* running but deaf: no better than dead */
		snprintf(why, sizeof(why), "not answering whack (%.200s)", e);
		lsw_kill_hard(p);
	}
	log_warn("libreswan: pluto in '%s' %s: restarting", p->pub.ns, why);
	if (!lsw_start(p, err, errlen))
		return false;
	*restarted = true;
	return lsw_reload(p, err, errlen);
}

static bool lsw_calm(struct peer *pub, const struct peer_case *c, size_t limit, size_t *count,
		     char *err, size_t errlen)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	size_t len = 0;
	char *log = lsw_case_log(p, &len);
	size_t k = log ? libreswan_count_attempts(log, len, c->name) : 0;
	free(log);
	if (count)
		*count = k;
	if (k > limit) {
		snprintf(err, errlen, "peer loops: %zu attempts in %llu ms", k,
			 (unsigned long long)(clock_ms() - p->watch_ms));
		return false;
	}
	return true;
}

/* pluto ended; its run directory, NSS database and import folder removed
 * (the mounts went with its mount namespace). pluto.log stays: it is
 * the run's peer log. */
static void lsw_stop(struct peer *pub)
{
	struct lsw_peer *p = (struct lsw_peer *)pub;
	if (!p)
		return;
	lsw_kill(p);
	static const char *const subs[] = { "run", "nss", "nss-import", "ipsec.d" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char path[LSW_PATH], e[200];
		if (lsw_path(path, sizeof(path), p->pub.dir, subs[i], e, sizeof(e)))
			lsw_rm_tree(path);
	}
	free(p);
}

static const struct peer_ops lsw_ops = {
	.name = "libreswan",
	.configure = lsw_configure,
	.initiate = lsw_initiate,
	.view = lsw_view,
	.alive = lsw_alive,
	.calm = lsw_calm,
	.stop = lsw_stop,
};

/* The paths of a new driver in abs (its directory, made absolute). */
static bool lsw_paths(struct lsw_peer *p, const char *abs, char *err, size_t errlen)
{
	memcpy(p->pub.dir, abs, strlen(abs) + 1);  /* length checked by the caller */
	const char *d = p->pub.dir;
	snprintf(p->nss, sizeof(p->nss), "sql:%s/nss", d);
	libreswan_tree(p->tree, sizeof(p->tree));
	snprintf(p->env_ld, sizeof(p->env_ld), "LD_LIBRARY_PATH=%s/%s", p->tree, LIBRESWAN_LIBDIR);
	char run[LSW_PATH], nss[LSW_PATH], ipsecd[LSW_PATH];
	if (!lsw_path(p->pub.log, sizeof(p->pub.log), d, "pluto.log", err, errlen) ||
	    !lsw_path(p->sock, sizeof(p->sock), d, "run/pluto.ctl", err, errlen) ||
	    !lsw_path(p->conf, sizeof(p->conf), d, "ipsec.conf", err, errlen) ||
	    !lsw_path(run, sizeof(run), d, "run", err, errlen) ||
	    !lsw_path(nss, sizeof(nss), d, "nss", err, errlen) ||
	    !lsw_path(ipsecd, sizeof(ipsecd), d, "ipsec.d", err, errlen) ||
	    !peer_mkdirs(run, err, errlen) || !peer_mkdirs(nss, err, errlen) ||
	    !peer_mkdirs(ipsecd, err, errlen))
		return false;
	if (strlen(p->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "pluto's control socket %s: longer than a unix socket path "
			 "may be (%zu)", p->sock, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return false;
	}
	return true;
}

/* The setup section alone and no secrets: pluto's first config. */
static bool lsw_first_files(struct lsw_peer *p, char *err, size_t errlen)
{
	char text[4096], secpath[LSW_PATH];
	return libreswan_setup_conf(p->pub.dir, text, sizeof(text), err, errlen) &&
	       lsw_write_file(p->conf, text, 0644, err, errlen) &&
	       lsw_path(secpath, sizeof(secpath), p->pub.dir, "ipsec.secrets", err, errlen) &&
	       lsw_write_file(secpath, "# no case yet\n", 0600, err, errlen);
}

struct peer *libreswan_new(const char *ns, const char *dir, char *err, size_t errlen)
{
	if (!libreswan_available(err, errlen))
		return NULL;
	if (!ns || !*ns || strlen(ns) >= sizeof(((struct peer *)0)->ns) || strchr(ns, '/')) {
		snprintf(err, errlen, "namespace name '%s': empty, too long or with '/'",
			 ns ? ns : "(null)");
		return NULL;
	}
	if (!dir) {
		snprintf(err, errlen, "no directory for pluto");
		return NULL;
	}
	if (!peer_mkdirs(dir, err, errlen))
		return NULL;
	char abs[PATH_MAX];
	errno = 0;
	if (!realpath(dir, abs) || strlen(abs) >= sizeof(((struct peer *)0)->dir) - 40) {
		snprintf(err, errlen, "directory %s: %s", dir, errno ? strerror(errno) : "path too long");
		return NULL;
	}
	struct lsw_peer *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "libreswan: out of memory");
		return NULL;
	}
	p->pub.ops = &lsw_ops;
	snprintf(p->pub.ns, sizeof(p->pub.ns), "%s", ns);
	if (!lsw_paths(p, abs, err, errlen) || !lsw_first_files(p, err, errlen) ||
	    !lsw_nss_init(p, err, errlen) || !lsw_start(p, err, errlen)) {
		lsw_stop(&p->pub);
		return NULL;
	}
	return &p->pub;
}

pid_t libreswan_pid(const struct peer *pub)
{
	return pub ? ((const struct lsw_peer *)pub)->pid : 0;
}

static struct peer *lsw_driver_start(const struct peer_start *s, char *err, size_t errlen)
{
	return libreswan_new(s->ns, s->dir, err, errlen);
}

static bool lsw_driver_available(char *why, size_t len)
{
	return libreswan_available(why, len);
}

const struct peer_driver libreswan_driver = {
	.name = "libreswan", .start = lsw_driver_start, .available = lsw_driver_available,
	.kernel_esp = true,
};
