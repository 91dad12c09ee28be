/* cli/peer: `ike-conform peer` as a real process on loopback. The peer runs
 * as a subprocess with kernel-chosen ports (read from its "listening on"
 * line); this process plays the other side with the engine over the UDP
 * transport. Skips, saying why, when the binary is not built (IKEC_BIN). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ike/engine.h"
#include "peers/remote/remote.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"
#include "suite/suite.h"
#include "pki/pki.h"
#include "suite/peercfg.h"
#include "tests.h"
#include "transport/transport.h"

#define TP_PSK "ike-conform-psk"

/* ---- helpers ---- */

static uint64_t tp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The binary, or NULL after a skip line saying why. */
static const char *tp_bin(const char *test)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin || !*bin) {
		test_skip(test, "IKEC_BIN is not set (run through make check)");
		return NULL;
	}
	if (access(bin, X_OK) != 0) {
		test_skip(test, "IKEC_BIN is not built (add cli to MODULES)");
		return NULL;
	}
	return bin;
}

static char *tp_tmpfile(const char *text)
{
	char *path = xstrdup("/tmp/ikec-peer-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	size_t len = text ? strlen(text) : 0;
	ck_assert(write(fd, text ? text : "", len) == (ssize_t)len);
	close(fd);
	return path;
}

static char *tp_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s", path);
	size_t cap = 65536, len = 0, n;
	char *buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static size_t tp_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* A peer process: its config and log files, its stdout, its ports. */
struct tp_proc {
	pid_t pid;
	int out;                 /* read end of its stdout */
	int err;                 /* read end of its stderr (when no --log) */
	char *cfg, *log, *state;
	char line[512];          /* the first line on stdout */
	struct netaddr ike;      /* from "listening on" */
	uint16_t natt;
};

/* Start `ike-conform peer --config CFG [--log LOG]`. */
static void tp_spawn(struct tp_proc *p, const char *bin, const char *cfgtext, bool with_log)
{
	memset(p, 0, sizeof(*p));
	p->cfg = tp_tmpfile(cfgtext);
	p->err = -1;
	if (with_log)
		p->log = tp_tmpfile(NULL);
	p->state = tp_tmpfile(NULL);
	int po[2], pe[2];
	ck_assert(pipe(po) == 0 && pipe(pe) == 0);
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	p->pid = fork();
	ck_assert(p->pid >= 0);
	if (p->pid == 0) {
		/* a failed assertion ends this test's process: the peer goes too */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		if (with_log)
			execl(bin, bin, "peer", "--config", p->cfg, "--log", p->log, "--state",
			      p->state, (char *)NULL);
		else
			execl(bin, bin, "peer", "--config", p->cfg, "--state", p->state, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	p->out = po[0];
	p->err = pe[0];
}

/* Read one line of the peer's stdout within limit_ms; false at EOF or
 * timeout. */
static bool tp_read_line(struct tp_proc *p, char *buf, size_t len, unsigned limit_ms)
{
	size_t n = 0;
	uint64_t end = tp_now() + limit_ms;
	while (n + 1 < len) {
		uint64_t now = tp_now();
		if (now >= end)
			break;
		struct pollfd pf = { p->out, POLLIN, 0 };
		if (poll(&pf, 1, (int)(end - now)) <= 0)
			break;
		char c;
		if (read(p->out, &c, 1) != 1)
			break;
		if (c == '\n') {
			buf[n] = '\0';
			return true;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return false;
}

/* The "listening on ADDR:PORT nat-t PORT" line. */
static void tp_listening(struct tp_proc *p)
{
	bool got = tp_read_line(p, p->line, sizeof(p->line), 5000);
	ck_assert_msg(got, "no line from the peer on stdout (got '%s')", p->line);
	char addr[128];
	unsigned natt;
	ck_assert_msg(sscanf(p->line, "listening on %127s nat-t %u", addr, &natt) == 2,
		      "unexpected first line '%s'", p->line);
	char err[128];
	ck_assert_msg(netaddr_parse(addr, 500, &p->ike, err, sizeof(err)), "%s: %s", addr, err);
	ck_assert(p->ike.port != 0 && natt != 0 && natt != p->ike.port);
	p->natt = (uint16_t)natt;
}

/* Wait for the process within limit_ms; its exit status, or -1 when it was
 * killed by a signal, or -2 when it is still running. */
static int tp_wait(struct tp_proc *p, unsigned limit_ms)
{
	uint64_t end = tp_now() + limit_ms;
	for (;;) {
		int st;
		pid_t r = waitpid(p->pid, &st, WNOHANG);
		if (r == p->pid) {
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		if (tp_now() >= end)
			return -2;
		usleep(5000);
	}
}

/* Everything the peer wrote on stderr so far (non-blocking). */
static char *tp_drain(int fd)
{
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ssize_t n;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	return buf;
}

static void tp_cleanup(struct tp_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	if (p->cfg) {
		unlink(p->cfg);
		free(p->cfg);
	}
	if (p->state) {
		unlink(p->state);
		free(p->state);
	}
	if (p->log) {
		unlink(p->log);
		free(p->log);
	}
	memset(p, 0, sizeof(*p));
}

/* SIGTERM, and the status it ends with. */
static int tp_stop(struct tp_proc *p)
{
	ck_assert(kill(p->pid, SIGTERM) == 0);
	pid_t pid = p->pid;
	int st = tp_wait(p, 5000);
	/* reaped: nothing of it is left */
	ck_assert(kill(pid, 0) == -1 && errno == ESRCH);
	return st;
}

/* A config loaded in this process (the same vocabulary as the peer's). */
static void tp_config(struct peercfg *pc, const char *text)
{
	struct yaml_error err = { 0 };
	ck_assert_msg(peercfg_load_string("test", text, pc, &err), "%s", err.text);
}

static struct transport *tp_udp(void)
{
	char err[256];
	struct transport_udp_config uc = { .natt_port = 0 };
	netaddr_parse("127.0.0.1:0", 0, &uc.local, err, sizeof(err));
	struct transport *t = transport_udp_new(&uc, err, sizeof(err));
	ck_assert_msg(t, "%s", err);
	return t;
}

/* Run engines over their transports until all are done, the peer process
 * (when given) has exited, or limit_ms. */
static void tp_run(struct ike_engine **e, struct transport **t, size_t n, struct tp_proc *proc,
		   int *status, unsigned limit_ms)
{
	uint64_t start = tp_now();
	while (tp_now() - start < limit_ms) {
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && ike_engine_done(e[i]);
		if (proc && proc->pid > 0) {
			int st = tp_wait(proc, 0);
			if (st != -2)
				*status = st;
		}
		if (all && (!proc || proc->pid <= 0))
			break;
		uint64_t now = tp_now(), next = now + 50;
		for (size_t i = 0; i < n; i++) {
			uint64_t d = ike_engine_tick(e[i], now);
			next = d < next ? d : next;
		}
		struct pollfd fds[4];
		for (size_t i = 0; i < n; i++)
			fds[i] = (struct pollfd){ transport_fd(t[i]), POLLIN, 0 };
		poll(fds, n, next > now ? (int)(next - now) : 0);
		for (size_t i = 0; i < n; i++)
			ike_engine_poll(e[i], tp_now());
	}
}

static void tp_assert_ok(struct ike_engine *e, const char *what, size_t children)
{
	const struct ike_result *r = ike_engine_result(e);
	ck_assert_msg(r->finished && !r->failed, "%s: %s", what, r->error);
	ck_assert_msg(r->established, "%s: not established", what);
	ck_assert_uint_eq(r->nchild, children);
}

static const char tp_responder_cfg[] =
	"psk: " TP_PSK "\n"
	"proposals: [aes128-sha256-modp2048, 3des-sha1-modp1024]\n"
	"phase2: { esp: [aes128-sha1, aes256-sha256] }\n"
	"local_ts: 10.1.0.1/32\n"
	"remote_ts: 10.2.0.1/32\n"
	"listen: \"127.0.0.1:0\"\n"
	"natt_port: 0\n";

/* An initiator config for the in-process engine (remote: the peer). */
static void tp_initiator(struct peercfg *pc, const struct tp_proc *p, const char *exchange,
			 const char *proposal)
{
	char text[1024], ab[NETADDR_STRLEN];
	snprintf(text, sizeof(text),
		 "role: initiator\n"
		 "exchange: %s\n"
		 "psk: " TP_PSK "\n"
		 "proposals: [%s]\n"
		 "phase2: { esp: aes128-sha1 }\n"
		 "local_ts: 10.2.0.1/32\n"
		 "remote_ts: 10.1.0.1/32\n"
		 "retransmit: { timeout: 200ms, tries: 5, max: 1s }\n"
		 "remote_address: \"%s\"\n",
		 exchange, proposal, netaddr_str(&p->ike, ab, sizeof(ab)));
	tp_config(pc, text);
}

/* ---- the peer as a responder ---- */

START_TEST(test_peer_responder_main)
{
	const char *bin = tp_bin("peer responder");
	if (!bin)
		return;
	struct tp_proc p;
	tp_spawn(&p, bin, tp_responder_cfg, true);
	tp_listening(&p);
	ck_assert_msg(strstr(p.line, "listening on 127.0.0.1:"), "%s", p.line);

	struct peercfg pc;
	tp_initiator(&pc, &p, "main", "aes128-sha256-modp2048");
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "test");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	tp_assert_ok(e, "main mode + quick mode", 1);
	const struct ike_result *r = ike_engine_result(e);
	char xb[64];
	ck_assert_str_eq(ike_p1_str(&r->p1, xb, sizeof(xb)), "aes128-sha256-modp2048");

	ck_assert_int_eq(tp_stop(&p), 0);
	char *log = tp_read_file(p.log);
	ck_assert_msg(strstr(log, "established main aes128-sha256-modp2048"), "log:\n%s", log);
	/* the child SA with our SPIs, mirrored */
	char spi[64];
	snprintf(spi, sizeof(spi), "child ESP in %02x%02x%02x%02x out %02x%02x%02x%02x",
		 r->child[0].spi_out[0], r->child[0].spi_out[1], r->child[0].spi_out[2],
		 r->child[0].spi_out[3], r->child[0].spi_in[0], r->child[0].spi_in[1],
		 r->child[0].spi_in[2], r->child[0].spi_in[3]);
	ck_assert_msg(strstr(log, spi), "no '%s' in the log:\n%s", spi, log);
	for (int k = 1; k <= 6; k++) {
		char what[32];
		snprintf(what, sizeof(what), "%s mm%d ", k % 2 ? "<-" : "->", k);
		ck_assert_msg(strstr(log, what), "no '%s' in the log:\n%s", what, log);
	}
	ck_assert(strstr(log, "<- qm1 ") && strstr(log, "-> qm2 ") && strstr(log, "<- qm3 "));
	ck_assert(strstr(log, "stopping"));
	free(log);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);
}
END_TEST

/* Aggressive Mode, then Main Mode from a second initiator (another port),
 * then both at once: one process serves them all. */
START_TEST(test_peer_responder_many)
{
	const char *bin = tp_bin("peer responder (several initiators)");
	if (!bin)
		return;
	struct tp_proc p;
	tp_spawn(&p, bin, tp_responder_cfg, true);
	tp_listening(&p);

	struct peercfg ca, cm;
	tp_initiator(&ca, &p, "aggressive", "aes128-sha256-modp2048");
	tp_initiator(&cm, &p, "main", "3des-sha1-modp1024");
	struct transport *t[2] = { tp_udp(), tp_udp() };
	struct ike_engine *e[2];
	e[0] = ike_engine_new(&ca.ike, t[0], &p.ike, NULL, 0, "aggr");
	tp_run(&e[0], &t[0], 1, NULL, NULL, 10000);
	tp_assert_ok(e[0], "aggressive mode", 1);
	e[1] = ike_engine_new(&cm.ike, t[1], &p.ike, NULL, 0, "main");
	tp_run(&e[1], &t[1], 1, NULL, NULL, 10000);
	tp_assert_ok(e[1], "second initiator, main mode", 1);
	ike_engine_free(e[0]);
	ike_engine_free(e[1]);
	/* concurrently */
	e[0] = ike_engine_new(&ca.ike, t[0], &p.ike, NULL, 0, "aggr2");
	e[1] = ike_engine_new(&cm.ike, t[1], &p.ike, NULL, 0, "main2");
	tp_run(e, t, 2, NULL, NULL, 10000);
	tp_assert_ok(e[0], "concurrent aggressive mode", 1);
	tp_assert_ok(e[1], "concurrent main mode", 1);

	ck_assert_int_eq(tp_stop(&p), 0);
	char *log = tp_read_file(p.log);
	ck_assert_msg(tp_count(log, "established aggressive aes128-sha256-modp2048") == 2, "%s", log);
	ck_assert_msg(tp_count(log, "established main 3des-sha1-modp1024") == 2, "%s", log);
	ck_assert_msg(tp_count(log, " child ESP in ") == 4, "%s", log);
	ck_assert(strstr(log, "sa#4 "));
	free(log);
	for (int k = 0; k < 2; k++) {
		ike_engine_free(e[k]);
		transport_free(t[k]);
	}
	peercfg_free(&ca);
	peercfg_free(&cm);
	tp_cleanup(&p);
}
END_TEST

/* exchanges: 1 — the responder ends by itself once the exchange is done. */
START_TEST(test_peer_responder_exchanges)
{
	const char *bin = tp_bin("peer responder exchanges");
	if (!bin)
		return;
	char cfg[1024];
	snprintf(cfg, sizeof(cfg), "%sexchanges: 1\n", tp_responder_cfg);
	struct tp_proc p;
	tp_spawn(&p, bin, cfg, false);
	tp_listening(&p);
	struct peercfg pc;
	tp_initiator(&pc, &p, "main", "aes128-sha256-modp2048");
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "test");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	tp_assert_ok(e, "main mode + quick mode", 1);
	int st = tp_wait(&p, 5000);
	char *err = tp_drain(p.err);
	ck_assert_msg(st == 0, "status %d, stderr:\n%s", st, err);
	/* without --log the log is on stderr */
	ck_assert_msg(strstr(err, "all 1 exchanges done (0 failed)"), "%s", err);
	free(err);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);
}
END_TEST

/* A refused proposal: our side sees NO-PROPOSAL-CHOSEN, the log says so. */
START_TEST(test_peer_responder_refuses)
{
	const char *bin = tp_bin("peer responder refusal");
	if (!bin)
		return;
	struct tp_proc p;
	tp_spawn(&p, bin, tp_responder_cfg, true);
	tp_listening(&p);
	struct peercfg pc;
	tp_initiator(&pc, &p, "main", "aes256-sha512-modp3072");
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "test");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	const struct ike_result *r = ike_engine_result(e);
	ck_assert(r->failed && !r->established);
	ck_assert_msg(strstr(r->error, "NO-PROPOSAL-CHOSEN"), "%s", r->error);
	ck_assert_int_eq(tp_stop(&p), 0);
	char *log = tp_read_file(p.log);
	ck_assert_msg(strstr(log, "notify sent NO-PROPOSAL-CHOSEN"), "%s", log);
	free(log);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);
}
END_TEST

/* ---- the process ---- */

START_TEST(test_peer_config_error)
{
	const char *bin = tp_bin("peer config error");
	if (!bin)
		return;
	/* a typo on line 3, column 1 */
	struct tp_proc p;
	tp_spawn(&p, bin,
		 "psk: " TP_PSK "\n"
		 "proposals: [aes128-sha256-modp2048]\n"
		 "lifetim: 1h\n", false);
	int st = tp_wait(&p, 5000);
	char *err = tp_drain(p.err);
	ck_assert_msg(st == 2, "status %d: %s", st, err);
	char want[600];
	snprintf(want, sizeof(want), "%s:3:1: unknown key 'lifetim'", p.cfg);
	ck_assert_msg(strstr(err, want), "want '%s' in:\n%s", want, err);
	free(err);
	/* nothing on stdout: it never listened */
	char line[64];
	ck_assert(!tp_read_line(&p, line, sizeof(line), 100) && !line[0]);
	tp_cleanup(&p);

	/* a CRL that does not load: a credential error, status 2, before listening */
	tp_spawn(&p, bin,
		 "psk: " TP_PSK "\n"
		 "proposals: [aes128-sha256-modp2048]\n"
		 "crl: /nonexistent/ca.crl\n"
		 "listen: \"127.0.0.1:0\"\n", false);
	st = tp_wait(&p, 5000);
	err = tp_drain(p.err);
	snprintf(want, sizeof(want), "%s: credentials: crl /nonexistent/ca.crl: No such file", p.cfg);
	ck_assert_msg(st == 2 && strstr(err, want), "status %d, want '%s' in:\n%s", st, want, err);
	free(err);
	ck_assert(!tp_read_line(&p, line, sizeof(line), 100) && !line[0]);
	tp_cleanup(&p);
}
END_TEST

START_TEST(test_peer_usage)
{
	const char *bin = tp_bin("peer usage");
	if (!bin)
		return;
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "%s peer >/dev/null 2>&1", bin);
	int st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	snprintf(cmd, sizeof(cmd), "%s peer --config /nonexistent/peer.yaml 2>&1", bin);
	FILE *f = popen(cmd, "r");
	char buf[512] = "";
	ck_assert(fgets(buf, sizeof(buf), f));
	st = pclose(f);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	ck_assert_msg(strstr(buf, "/nonexistent/peer.yaml"), "%s", buf);
	snprintf(cmd, sizeof(cmd), "%s peer --help >/dev/null", bin);
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* SIGTERM and SIGINT: status 0, process gone, its ports free again. */
START_TEST(test_peer_signal)
{
	const char *bin = tp_bin("peer signal");
	if (!bin)
		return;
	int sig = _i ? SIGINT : SIGTERM;
	struct tp_proc p;
	tp_spawn(&p, bin, tp_responder_cfg, true);
	tp_listening(&p);
	ck_assert(kill(p.pid, sig) == 0);
	pid_t pid = p.pid;
	int st = tp_wait(&p, 5000);
	ck_assert_msg(st == 0, "status %d after signal %d", st, sig);
	ck_assert(kill(pid, 0) == -1 && errno == ESRCH);
	/* the sockets were closed: the same ports bind again */
	char err[256];
	struct transport_udp_config uc = { .local = p.ike, .natt_port = p.natt };
	struct transport *t = transport_udp_new(&uc, err, sizeof(err));
	ck_assert_msg(t, "ports still taken: %s", err);
	transport_free(t);
	char *log = tp_read_file(p.log);
	ck_assert_msg(strstr(log, "stopping"), "%s", log);
	free(log);
	tp_cleanup(&p);
}
END_TEST

/* A port in use: status 3, naming the address and the reason. The port is
 * held by a plain socket (the transport's SO_REUSEADDR would share a port
 * with another socket that also sets it). */
START_TEST(test_peer_bind_error)
{
	const char *bin = tp_bin("peer bind error");
	if (!bin)
		return;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert(fd >= 0);
	struct netaddr taken;
	char err0[128];
	ck_assert(netaddr_parse("127.0.0.1:0", 0, &taken, err0, sizeof(err0)));
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&taken, &ss);
	ck_assert(bind(fd, (struct sockaddr *)&ss, sl) == 0);
	sl = sizeof(ss);
	ck_assert(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0);
	ck_assert(netaddr_from_sockaddr((struct sockaddr *)&ss, sl, &taken));
	char cfg[1024], ab[NETADDR_STRLEN];
	snprintf(cfg, sizeof(cfg),
		 "psk: " TP_PSK "\nproposals: [aes128-sha256-modp2048]\nlisten: \"%s\"\nnatt_port: 0\n",
		 netaddr_str(&taken, ab, sizeof(ab)));
	struct tp_proc p;
	tp_spawn(&p, bin, cfg, false);
	int st = tp_wait(&p, 5000);
	char *err = tp_drain(p.err);
	ck_assert_msg(st == 3, "status %d: %s", st, err);
	ck_assert_msg(strstr(err, ab) && strstr(err, "in use"), "%s", err);
	/* nothing on stdout: it never listened */
	char line[64];
	ck_assert(!tp_read_line(&p, line, sizeof(line), 100) && !line[0]);
	free(err);
	close(fd);
	tp_cleanup(&p);
}
END_TEST

/* ---- the peer as an initiator ---- */

static void tp_initiator_cfg(char *buf, size_t len, const struct netaddr *remote,
			     const char *exchange, const char *extra)
{
	char ab[NETADDR_STRLEN];
	snprintf(buf, len,
		 "role: initiator\n"
		 "exchange: %s\n"
		 "psk: " TP_PSK "\n"
		 "proposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1 }\n"
		 "local_ts: 10.2.0.1/32\n"
		 "remote_ts: 10.1.0.1/32\n"
		 "listen: \"127.0.0.1:0\"\n"
		 "natt_port: 0\n"
		 "remote_address: \"%s\"\n%s",
		 exchange, netaddr_str(remote, ab, sizeof(ab)), extra);
}

START_TEST(test_peer_initiator)
{
	const char *bin = tp_bin("peer initiator");
	if (!bin)
		return;
	const char *exchange = _i ? "aggressive" : "main";
	struct peercfg rc;
	char text[1024];
	snprintf(text, sizeof(text), "exchange: %s\n%s", exchange, tp_responder_cfg);
	tp_config(&rc, text);
	struct transport *t = tp_udp();
	struct netaddr ar;
	ck_assert(transport_local(t, TRANSPORT_PORT_IKE, &ar));
	struct ike_engine *e = ike_engine_new(&rc.ike, t, NULL, NULL, 0, "resp");

	tp_initiator_cfg(text, sizeof(text), &ar, exchange, "");
	struct tp_proc p;
	tp_spawn(&p, bin, text, true);
	tp_listening(&p);
	int st = -2;
	tp_run(&e, &t, 1, &p, &st, 10000);
	ck_assert_msg(st == 0, "status %d", st);
	tp_assert_ok(e, "our responder", 1);
	char line[256];
	ck_assert(tp_read_line(&p, line, sizeof(line), 1000));
	ck_assert_str_eq(line, "established: 1 exchange");
	char *log = tp_read_file(p.log);
	char want[80];
	snprintf(want, sizeof(want), "established %s aes128-sha256-modp2048 auth psk", exchange);
	ck_assert_msg(strstr(log, want), "no '%s' in:\n%s", want, log);
	ck_assert_msg(strstr(log, " child ESP in "), "%s", log);
	free(log);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&rc);
	tp_cleanup(&p);
}
END_TEST

/* Nobody answers: status 1 and one line saying why. */
START_TEST(test_peer_initiator_fails)
{
	const char *bin = tp_bin("peer initiator failure");
	if (!bin)
		return;
	struct transport *t = tp_udp();   /* bound, silent */
	struct netaddr ar;
	ck_assert(transport_local(t, TRANSPORT_PORT_IKE, &ar));
	char text[1024];
	tp_initiator_cfg(text, sizeof(text), &ar, "main",
			 "retransmit: { timeout: 50ms, tries: 3, max: 100ms }\n");
	struct tp_proc p;
	tp_spawn(&p, bin, text, true);
	tp_listening(&p);
	int st = tp_wait(&p, 10000);
	ck_assert_int_eq(st, 1);
	char line[600];
	ck_assert(tp_read_line(&p, line, sizeof(line), 1000));
	ck_assert_msg(strstr(line, "failed: ") == line && strstr(line, "no answer after 3 sends"),
		      "%s", line);
	/* it did send, three times */
	size_t n = 0;
	struct transport_pkt pkt;
	while (transport_recv(t, &pkt) == 1) {
		n++;
		transport_pkt_free(&pkt);
	}
	ck_assert_uint_eq(n, 3);
	transport_free(t);
	tp_cleanup(&p);
}
END_TEST

/* exchanges: 2 — two phase-1 SAs one after the other against one
 * long-lived peer process. */
START_TEST(test_peer_initiator_to_peer)
{
	const char *bin = tp_bin("peer to peer");
	if (!bin)
		return;
	struct tp_proc r, i;
	tp_spawn(&r, bin, tp_responder_cfg, true);
	tp_listening(&r);
	char text[1024];
	tp_initiator_cfg(text, sizeof(text), &r.ike, "main", "exchanges: 2\n");
	tp_spawn(&i, bin, text, false);
	tp_listening(&i);
	int st = tp_wait(&i, 10000);
	char line[256];
	ck_assert(tp_read_line(&i, line, sizeof(line), 1000));
	ck_assert_msg(st == 0, "status %d: %s", st, line);
	ck_assert_str_eq(line, "established: 2 exchanges");
	ck_assert_int_eq(tp_stop(&r), 0);
	char *log = tp_read_file(r.log);
	ck_assert_msg(tp_count(log, "established main") == 2, "%s", log);
	free(log);
	/* the state files: both SAs at the responder, the last one at the
	   initiator, children with crossed SPIs */
	char *sr = tp_read_file(r.state), *si = tp_read_file(i.state);
	ck_assert_msg(tp_count(sr, "sa id=") == 2 && tp_count(sr, "state=established") == 2, "%s", sr);
	ck_assert_msg(tp_count(si, "sa id=2 state=established exchange=main") == 1, "%s", si);
	ck_assert_msg(tp_count(si, "child sa=2 ") == 1, "%s", si);
	char spi_in[9], spi_out[9], want[64];
	const char *c = strstr(si, "child sa=2 ");
	ck_assert(c && sscanf(c, "child sa=2 spi_in=%8s spi_out=%8s", spi_in, spi_out) == 2);
	snprintf(want, sizeof(want), "spi_in=%s spi_out=%s", spi_out, spi_in);
	ck_assert_msg(strstr(sr, want), "%s not in %s", want, sr);
	ck_assert_msg(strstr(si, "encr=7 keylen=128"), "%s", si);
	free(sr);
	free(si);
	tp_cleanup(&i);
	tp_cleanup(&r);
}
END_TEST

/* ---- NAT-T keepalives (natt_keepalive) ---- */

/* A responder claiming a NAT (natt_force) with natt_keepalive: 200ms sends
 * 0xff from its NAT-T port to ours every 200ms once floated; keepalives we
 * send it are counted in its state file and logged. */
START_TEST(test_peer_keepalive)
{
	const char *bin = tp_bin("peer keepalives");
	if (!bin)
		return;
	char cfg[1024];
	snprintf(cfg, sizeof(cfg), "%snatt_force: true\nnatt_keepalive: 200ms\nlog_level: debug\n",
		 tp_responder_cfg);
	struct tp_proc p;
	tp_spawn(&p, bin, cfg, true);
	tp_listening(&p);
	char text[1024], ab[NETADDR_STRLEN];
	snprintf(text, sizeof(text),
		 "role: initiator\npsk: " TP_PSK "\nproposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1 }\nlocal_ts: 10.2.0.1/32\nremote_ts: 10.1.0.1/32\n"
		 "retransmit: { timeout: 200ms, tries: 5, max: 1s }\n"
		 "remote_address: \"%s\"\nnatt_peer_port: %u\n",
		 netaddr_str(&p.ike, ab, sizeof(ab)), p.natt);
	struct peercfg pc;
	tp_config(&pc, text);
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "test");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	tp_assert_ok(e, "main mode + quick mode", 1);
	ck_assert(ike_engine_sa(e)->natt_floated);
	struct netaddr ours, theirs = p.ike;
	ck_assert(transport_local(t, TRANSPORT_PORT_NATT, &ours));
	theirs.port = p.natt;
	/* 1.1 s: five or so keepalives, each from the peer's NAT-T port */
	size_t ka = 0, other = 0;
	uint64_t end = tp_now() + 1100;
	for (uint64_t now; (now = tp_now()) < end;) {
		struct pollfd pf = { transport_fd(t), POLLIN, 0 };
		poll(&pf, 1, (int)(end - now));
		struct transport_pkt pkt;
		while (transport_recv(t, &pkt) == 1) {
			if (pkt.kind == TRANSPORT_PKT_KEEPALIVE) {
				ck_assert(netaddr_eq(&pkt.src, &theirs));
				ck_assert(pkt.natt && pkt.dst.port == ours.port);
				ka++;
			} else {
				other++;
			}
			transport_pkt_free(&pkt);
		}
	}
	ck_assert_msg(ka >= 3 && ka <= 7, "%zu keepalives in 1.1 s at 200ms", ka);
	ck_assert_uint_eq(other, 0);
	static const uint8_t ff = 0xff;
	for (int i = 0; i < 3; i++)
		ck_assert(transport_send_raw(t, TRANSPORT_PORT_NATT, &theirs, &ff, 1));
	usleep(400000); /* the state file is rewritten on its next turn */
	ck_assert_int_eq(tp_stop(&p), 0);
	char *log = tp_read_file(p.log), *st = tp_read_file(p.state), want[128];
	snprintf(want, sizeof(want), "keepalives to 127.0.0.1:%u every 200ms", ours.port);
	ck_assert_msg(strstr(log, want), "no '%s' in:\n%s", want, log);
	snprintf(want, sizeof(want), "keepalive <- 127.0.0.1:%u", ours.port);
	ck_assert_msg(tp_count(log, want) == 3, "not 3 '%s' in:\n%s", want, log);
	ck_assert_msg(tp_count(log, "keepalive -> ") >= ka, "%s", log);
	ck_assert_msg(strstr(st, "peer keepalives_received=3"), "%s", st);
	unsigned sent = 0;
	const char *k = strstr(st, "keepalives_sent=");
	ck_assert_msg(k && sscanf(k, "keepalives_sent=%u", &sent) == 1 && sent >= ka, "%s", st);
	free(log);
	free(st);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);
}
END_TEST

/* UDP-transport behind a (claimed) NAT: the peer records the NAT-OA we send
 * on its child's state line, and we record the ones it sends. */
START_TEST(test_peer_natoa)
{
	const char *bin = tp_bin("peer NAT-OA");
	if (!bin)
		return;
	struct tp_proc p;
	tp_spawn(&p, bin,
		 "psk: " TP_PSK "\nproposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1, mode: transport }\n"
		 "listen: \"127.0.0.1:0\"\nnatt_port: 0\nnatt_force: true\n", true);
	tp_listening(&p);
	char text[1024], ab[NETADDR_STRLEN];
	snprintf(text, sizeof(text),
		 "role: initiator\npsk: " TP_PSK "\nproposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1, mode: transport }\n"
		 "retransmit: { timeout: 200ms, tries: 5, max: 1s }\n"
		 "remote_address: \"%s\"\nnatt_peer_port: %u\n",
		 netaddr_str(&p.ike, ab, sizeof(ab)), p.natt);
	struct peercfg pc;
	tp_config(&pc, text);
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "test");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	tp_assert_ok(e, "main mode + quick mode, transport", 1);
	const struct ike_child *c = &ike_engine_result(e)->child[0];
	ck_assert_uint_eq(c->xf.encap, IKE_ENCAP_UDP_TRANSPORT);
	ck_assert(c->natoa_i_set && c->natoa_r_set);
	ck_assert(netaddr_same_host(&c->natoa_r, &p.ike) && netaddr_same_host(&c->natoa_i, &p.ike));
	usleep(200000);
	ck_assert_int_eq(tp_stop(&p), 0);
	char *st = tp_read_file(p.state);
	ck_assert_msg(strstr(st, "encap=4 ") && strstr(st, " natoa_i=127.0.0.1 natoa_r=127.0.0.1\n"),
		      "%s", st);
	free(st);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);
}
END_TEST

/* ---- signatures through the config ---- */

START_TEST(test_peer_signature)
{
	const char *bin = tp_bin("peer signature auth");
	if (!bin)
		return;
	struct pki_err pe;
	struct pki_testpki *k = pki_testpki_create(NULL, NULL, &pe);
	ck_assert_msg(k, "%s", pe.msg);
	const struct pki_cred *moon = pki_testpki_host(k, "moon"), *sun = pki_testpki_host(k, "sun");
	ck_assert(moon && sun);
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "auth: rsa\n"
		 "proposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1 }\n"
		 "cert: %s\nkey: %s\nchain: %s\nca: %s\n"
		 "listen: \"127.0.0.1:0\"\nnatt_port: 0\n",
		 moon->cert_path, moon->key_path, moon->chain_path, k->root.cert_path);
	struct tp_proc p;
	tp_spawn(&p, bin, cfg, true);
	tp_listening(&p);

	char ab[NETADDR_STRLEN], icfg[4096];
	snprintf(icfg, sizeof(icfg),
		 "role: initiator\nauth: rsa\n"
		 "proposals: [aes128-sha256-modp2048]\n"
		 "phase2: { esp: aes128-sha1 }\n"
		 "remote_id: \"dn:C=CH, O=ike-conform, CN=moon.example.org\"\n"
		 "cert: %s\nkey: %s\nchain: %s\nca: %s\n"
		 "remote_address: \"%s\"\n",
		 sun->cert_path, sun->key_path, sun->chain_path, k->root.cert_path,
		 netaddr_str(&p.ike, ab, sizeof(ab)));
	struct peercfg pc;
	tp_config(&pc, icfg);
	char err[400];
	ck_assert_msg(ike_config_load_creds(&pc.ike, pc.key, pc.cert, pc.chain, pc.ca, err,
					    sizeof(err)), "%s", err);
	struct transport *t = tp_udp();
	struct ike_engine *e = ike_engine_new(&pc.ike, t, &p.ike, NULL, 0, "sig");
	tp_run(&e, &t, 1, NULL, NULL, 10000);
	tp_assert_ok(e, "main mode rsa", 1);
	struct ike_sa *sa = ike_engine_sa(e);
	ck_assert_uint_eq(sa->xf.auth, IKE_AUTH_RSA);
	ck_assert(sa->peer_cert && X509_cmp(sa->peer_cert, moon->cert) == 0);
	ck_assert_int_eq(tp_stop(&p), 0);
	char *log = tp_read_file(p.log);
	ck_assert_msg(strstr(log, "established main aes128-sha256-modp2048"), "%s", log);
	free(log);
	ike_engine_free(e);
	transport_free(t);
	peercfg_free(&pc);
	tp_cleanup(&p);

	/* a key file that is not there: a credential error, status 2 */
	snprintf(cfg, sizeof(cfg),
		 "auth: rsa\nproposals: [aes128-sha256-modp2048]\n"
		 "cert: %s\nkey: /nonexistent/moon.key\nlisten: \"127.0.0.1:0\"\n", moon->cert_path);
	tp_spawn(&p, bin, cfg, false);
	int st = tp_wait(&p, 5000);
	char *msg = tp_drain(p.err);
	ck_assert_msg(st == 2 && strstr(msg, "/nonexistent/moon.key"), "status %d: %s", st, msg);
	free(msg);
	tp_cleanup(&p);
	pki_testpki_free(k);
}
END_TEST

/* A device's sa_state output (docs/vendors.md) into the view: the first
 * established sa and the first child after it; the rest ignored. */
START_TEST(test_peer_remote_state)
{
	struct peer_sa_view v;
	remote_parse_state("# acme gw\n"
			   "sa state=connecting encr=5\n"
			   "sa state=established encr=7 keylen=128 hash=4 group=14 life_sec=28800\n"
			   "child transform=12 keylen=256 auth=2 group=0 encap=1 life_sec=3600 "
			   "spi_in=c0ffee01 spi_out=0a0b0c0d\n"
			   "child transform=3 keylen=0\n", &v);
	ck_assert(v.present && !v.unknown);
	ck_assert_uint_eq(v.encr, 7);
	ck_assert_uint_eq(v.keylen, 128);
	ck_assert_uint_eq(v.hash, 4);
	ck_assert_uint_eq(v.group, 14);
	ck_assert_uint_eq(v.life_sec, 28800);
	ck_assert(v.child.present && v.child.encap);
	ck_assert_uint_eq(v.child.transform, 12);
	ck_assert_uint_eq(v.child.keylen, 256);
	ck_assert_uint_eq(v.child.auth, 2);
	ck_assert_uint_eq(v.child.life_sec, 3600);
	ck_assert(v.child.spi_in[0] == 0xc0 && v.child.spi_in[3] == 0x01);
	ck_assert(v.child.spi_out[0] == 0x0a && v.child.spi_out[3] == 0x0d);
	remote_parse_state("sa state=established encr=5 hash=2 group=2\n", &v);
	ck_assert(v.present && !v.child.present);
	remote_parse_state("child transform=12\nsa state=deleting\n", &v);
	ck_assert(!v.present && !v.child.present);
	remote_parse_state("", &v);
	ck_assert(!v.present);
}
END_TEST

/* peer_state_format is remote_parse_state's inverse: NAT fields, NAT-OA
 * and counters come back as written; an unknown life or counters stay
 * unknown rather than becoming zero. */
START_TEST(test_peer_state_round_trip)
{
	static const struct {
		bool nat, natoa, counters;
		uint32_t life;
	} rows[] = {
		{ false, false, false, 0 },
		{ true, false, true, 0 },
		{ true, true, true, 28800 },
		{ false, true, false, 3600 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct peer_sa_view a, b;
		memset(&a, 0, sizeof(a));
		a.present = true;
		a.encr = 7, a.keylen = 256, a.hash = 4, a.group = 14, a.life_sec = rows[i].life;
		a.nat_known = rows[i].nat, a.nat_local = rows[i].nat, a.nat_fake = false;
		a.nat_remote = rows[i].nat, a.local_port = rows[i].nat ? 4500 : 0;
		a.child.present = true;
		a.child.transform = 12, a.child.keylen = 128, a.child.auth = 5, a.child.encap = true;
		a.child.life_sec = rows[i].life / 8;
		memcpy(a.child.spi_in, "\xc0\xff\xee\x01", 4);
		memcpy(a.child.spi_out, "\x0a\x0b\x0c\x0d", 4);
		a.child.counters_unknown = !rows[i].counters;
		if (rows[i].counters)
			a.child.packets_in = 10, a.child.packets_out = 3, a.child.bytes_in = 1ull << 33,
			a.child.bytes_out = 840;
		a.child.natoa_known = rows[i].natoa, a.child.natoa = rows[i].natoa;
		char buf[512];
		ck_assert(peer_state_format(&a, buf, sizeof(buf)));
		remote_parse_state(buf, &b);
		ck_assert_msg(b.present && b.child.present, "row %zu: %s", i, buf);
		ck_assert(b.encr == 7 && b.keylen == 256 && b.hash == 4 && b.group == 14);
		ck_assert_uint_eq(b.life_sec, rows[i].life);
		ck_assert_uint_eq(b.child.life_sec, rows[i].life / 8);
		ck_assert_msg(b.nat_known == rows[i].nat && b.nat_local == rows[i].nat &&
				      b.nat_remote == rows[i].nat && !b.nat_fake,
			      "row %zu: %s", i, buf);
		ck_assert_uint_eq(b.local_port, rows[i].nat ? 4500 : 0);
		ck_assert(b.child.transform == 12 && b.child.keylen == 128 && b.child.auth == 5);
		ck_assert(b.child.encap);
		ck_assert(!memcmp(b.child.spi_in, a.child.spi_in, 4));
		ck_assert(!memcmp(b.child.spi_out, a.child.spi_out, 4));
		ck_assert_msg(b.child.counters_unknown == !rows[i].counters, "row %zu: %s", i, buf);
		ck_assert(b.child.packets_in == a.child.packets_in);
		ck_assert(b.child.packets_out == a.child.packets_out);
		ck_assert(b.child.bytes_in == a.child.bytes_in);
		ck_assert(b.child.bytes_out == a.child.bytes_out);
		ck_assert(b.child.natoa_known == rows[i].natoa && b.child.natoa == rows[i].natoa);
		/* one byte short of the text: refused, never cut */
		ck_assert(!peer_state_format(&a, buf, strlen(buf)));
	}
	/* no SA: no lines */
	struct peer_sa_view none;
	memset(&none, 0, sizeof(none));
	char buf[8] = "x";
	ck_assert(peer_state_format(&none, buf, sizeof(buf)) && !buf[0]);
}
END_TEST

/* ---- the self peer's generated config ---- */

/* A responder case with one proposal each, psk auth. */
static struct peer_case tp_self_case(void)
{
	struct peer_case c;
	char err[200];
	memset(&c, 0, sizeof(c));
	c.name = "ids";
	c.exchange = WIRE_X_AGGR;
	c.auth = IKE_AUTH_PSK;
	c.psk = "a secret";
	ck_assert(ike_p1_parse("aes128-sha256-modp2048", &c.p1[0], err, sizeof(err)));
	c.p1[0].auth = IKE_AUTH_PSK;
	c.np1 = 1;
	ck_assert(netaddr_parse("192.0.2.2", 0, &c.local, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.1", 0, &c.remote, err, sizeof(err)));
	return c;
}

/* The case's config, loaded back by the peer's own reader. */
static void tp_self_load(const struct peer_case *c, struct peercfg *pc, char *text, size_t len)
{
	char err[300];
	struct yaml_error ye = { 0 };
	ck_assert_msg(self_peer_config(c, text, len, err, sizeof(err)), "%s", err);
	ck_assert_msg(peercfg_load_string("generated", text, pc, &ye), "%s\n%s", ye.text, text);
}

static bool tp_id_eq(const struct ike_id *a, const struct ike_id *b)
{
	return a->type == b->type && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* Every ID type the case may give, both sides, reaches the engine config
 * byte for byte (a DN keeps its RDN order and string types); %any and
 * the ID checks as the case says. */
static const struct {
	const char *local, *remote;   /* peercfg_id_read text; remote "%any": remote_id_any */
	int checks;                   /* -1: not set */
} tp_self_id_rows[] = {
	{ "192.0.2.2", "ipv4:192.0.2.1", -1 },
	{ "ipv6:2001:db8::2", "ipv6:2001:db8::1", IKE_ID_CHECKS_STRICT },
	{ "fqdn:sun.example.org", "fqdn:*.example.org", IKE_ID_CHECKS_LENIENT },
	{ "ufqdn:sun@example.org", "ufqdn:moon", IKE_ID_CHECKS_LENIENT },
	{ "dn:C=CH, O=ike-conform, CN=sun.example.org", "dn:CN=moon.example.org, O=ike-conform, C=CH",
	  IKE_ID_CHECKS_STRICT },
	{ "dn:#300f310d300b06035504030c046d6f6f6e", "keyid:moon-key", -1 },
	{ "keyid:#00ff10", "%any", -1 },
	{ "fqdn:#612062", "id4:#0a010000ffff0000", -1 },
};

START_TEST(test_peer_self_ids)
{
	struct peer_case c = tp_self_case();
	char err[200], text[8192];
	struct ike_id want_remote = { 0 };
	ck_assert(peercfg_id_read(tp_self_id_rows[_i].local, &c.local_id, err, sizeof(err)));
	c.remote_id_any = strcmp(tp_self_id_rows[_i].remote, "%any") == 0;
	if (c.remote_id_any)  /* remote_id then unused: whatever is in it stays out */
		ck_assert(ike_id_parse("fqdn:unused.example.org", &c.remote_id, err, sizeof(err)));
	else
		ck_assert(peercfg_id_read(tp_self_id_rows[_i].remote, &want_remote, err, sizeof(err)));
	if (!c.remote_id_any)
		c.remote_id = want_remote;
	c.id_checks_set = tp_self_id_rows[_i].checks >= 0;
	c.id_checks = c.id_checks_set ? (enum ike_id_checks)tp_self_id_rows[_i].checks
				      : IKE_ID_CHECKS_STRICT;
	struct peercfg pc;
	tp_self_load(&c, &pc, text, sizeof(text));
	ck_assert_msg(tp_id_eq(&pc.ike.local_id, &c.local_id), "%s", text);
	ck_assert_msg(tp_id_eq(&pc.ike.remote_id, &want_remote), "%s", text);
	ck_assert_int_eq(strstr(text, "id_checks:") != NULL, c.id_checks_set);
	if (c.id_checks_set)
		ck_assert_int_eq(pc.ike.id_checks, c.id_checks);
	if (c.local_id.type == 9)  /* the DN readable beside its hex */
		ck_assert_msg(strstr(text, "# local_id: dn:"), "%s", text);
	peercfg_free(&pc);
}
END_TEST

/* PSKs by ID, the chain and CRL files, and the CERT/CR switches; a mode
 * the engine lacks (CR ifasked) is refused, naming it. */
START_TEST(test_peer_self_pki)
{
	struct peer_case c = tp_self_case();
	char err[300], text[8192];
	ck_assert(peercfg_id_read("fqdn:moon.example.org", &c.psks[0].id, err, sizeof(err)));
	c.psks[0].psk = "moon key";
	ck_assert(peercfg_id_read("dn:C=CH, CN=moon", &c.psks[1].id, err, sizeof(err)));
	c.psks[1].psk = "dn key";
	c.npsks = 2;
	c.psk = NULL;  /* the keys by ID are enough */
	c.cert_path = "/pki/sun.pem", c.key_path = "/pki/sun.key", c.ca_path = "/pki/ca.pem";
	c.chain_path = "/pki/sun-chain.pem", c.crl_path = "/pki/in \"ter\".crl";
	static const struct {
		enum peer_send cert, cr;
		bool want_cert, want_cr, want_ifasked;
	} sends[] = {
		{ PEER_SEND_DEFAULT, PEER_SEND_DEFAULT, true, true, false },
		{ PEER_SEND_NEVER, PEER_SEND_ALWAYS, false, true, false },
		{ PEER_SEND_ALWAYS, PEER_SEND_NEVER, true, false, false },
		{ PEER_SEND_IFASKED, PEER_SEND_DEFAULT, true, true, true },
	};
	for (size_t i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
		c.send_cert = sends[i].cert, c.send_cr = sends[i].cr;
		struct peercfg pc;
		tp_self_load(&c, &pc, text, sizeof(text));
		ck_assert_uint_eq(pc.ike.npsks, 2);
		ck_assert(tp_id_eq(&pc.ike.psks[0].id, &c.psks[0].id));
		ck_assert(chunk_eq(pc.ike.psks[0].psk, CHUNK_FROM("moon key", 8)));
		ck_assert(tp_id_eq(&pc.ike.psks[1].id, &c.psks[1].id));
		ck_assert(chunk_eq(pc.ike.psks[1].psk, CHUNK_FROM("dn key", 6)));
		ck_assert_uint_eq(pc.ike.psk.len, 0);
		ck_assert_str_eq(pc.cert, c.cert_path);
		ck_assert_str_eq(pc.chain, c.chain_path);
		ck_assert_str_eq(pc.ca, c.ca_path);
		ck_assert_str_eq(pc.crl, c.crl_path);  /* quotes escaped on the way */
		ck_assert_msg(pc.ike.send_cert == sends[i].want_cert &&
			      pc.ike.send_cr == sends[i].want_cr &&
			      pc.ike.send_cert_ifasked == sends[i].want_ifasked, "row %zu:\n%s", i, text);
		peercfg_free(&pc);
	}
	c.send_cert = PEER_SEND_DEFAULT, c.send_cr = PEER_SEND_IFASKED;
	ck_assert(!self_peer_config(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "CR payloads only when asked"), "%s", err);
	c.send_cr = PEER_SEND_DEFAULT;
	c.psks[1].psk = "with \"quote\"";
	ck_assert(!self_peer_config(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "case ids: PSK 2 has a quote"), "%s", err);
	c.psks[1].psk = NULL;
	ck_assert(!self_peer_config(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "case ids: PSK 2 needs an ID and a key"), "%s", err);
}
END_TEST

/* The IDs on an sa line (local_id= remote_id=, one word each): written
 * by peer_state_format, read back by both views, a DN in hex; known only
 * when both are there and readable. */
static const struct {
	const char *local, *remote;
} tp_state_id_rows[] = {
	{ "fqdn:moon.example.org", "ipv4:192.0.2.1" },
	{ "ufqdn:moon@example.org", "%any" },
	{ "dn:C=CH, O=ike-conform, CN=moon.example.org", "dn:CN=sun, O=ike-conform, C=CH" },
	{ "keyid:#00ff10", "ipv6:2001:db8::1" },
	{ "fqdn:#6120622240", "keyid:sun-key" },
};

START_TEST(test_peer_state_ids)
{
	struct peer_sa_view a, b;
	char err[200], buf[4096], line[4096];
	memset(&a, 0, sizeof(a));
	a.present = true;
	a.encr = 7, a.hash = 4, a.group = 14;
	a.ids_known = true;
	ck_assert(peercfg_id_read(tp_state_id_rows[_i].local, &a.local_id, err, sizeof(err)));
	ck_assert(peercfg_id_read(tp_state_id_rows[_i].remote, &a.remote_id, err, sizeof(err)));
	ck_assert(peer_state_format(&a, buf, sizeof(buf)));
	ck_assert_msg(strstr(buf, " local_id=") && strstr(buf, " remote_id="), "%s", buf);
	remote_parse_state(buf, &b);
	ck_assert_msg(b.present && b.ids_known, "%s", buf);
	ck_assert(tp_id_eq(&b.local_id, &a.local_id) && tp_id_eq(&b.remote_id, &a.remote_id));
	/* the self peer's state file: the same words on its own sa line */
	const char *l = strstr(buf, " local_id=");
	snprintf(line, sizeof(line), "sa id=1 state=established exchange=main peer=192.0.2.1:500 "
		 "encr=7 hash=4 group=14 nat_local=0 nat_peer=0 floated=0%.*s\n",
		 (int)strcspn(l, "\n"), l);
	self_parse_state(line, &b);
	ck_assert_msg(b.present && b.ids_known, "%s", line);
	ck_assert(tp_id_eq(&b.local_id, &a.local_id) && tp_id_eq(&b.remote_id, &a.remote_id));
	/* one byte short: refused, never cut */
	ck_assert(!peer_state_format(&a, buf, strlen(buf)));
}
END_TEST

/* Without both IDs, or with one that does not read, the IDs are unknown
 * (never a half-filled pair); a view without them writes none. */
START_TEST(test_peer_state_ids_unknown)
{
	static const char *const lines[] = {
		"sa state=established encr=7 local_id=fqdn:moon.example.org\n",
		"sa state=established encr=7 remote_id=fqdn:moon.example.org\n",
		"sa state=established encr=7 local_id=fqdn:a remote_id=dn:#30zz\n",
		"sa state=established encr=7 local_id= remote_id=fqdn:b\n",
		"sa state=established encr=7 local_id=x:#00 remote_id=fqdn:b\n",
	};
	struct peer_sa_view v;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		remote_parse_state(lines[i], &v);
		ck_assert_msg(v.present && !v.ids_known && !v.local_id.type && !v.remote_id.type,
			      "%s", lines[i]);
	}
	remote_parse_state("sa state=established encr=7 local_id=fqdn:a remote_id=fqdn:b\n", &v);
	ck_assert(v.ids_known && v.local_id.type == 2 && v.remote_id.len == 1);
	char buf[512];
	v.ids_known = false;
	ck_assert(peer_state_format(&v, buf, sizeof(buf)));
	ck_assert_msg(!strstr(buf, "_id="), "%s", buf);
}
END_TEST

/* Every peer a suite file may name has its driver, by that name, and the
 * table says what the runner asks of each: a device (remote) alone takes
 * a profile, strongSwan alone may be missing or UDP-only. */
START_TEST(test_peer_drivers)
{
	static const struct { const char *name; bool device, may_be_missing; } want[] = {
		{ "strongswan", false, true },
		{ "self", false, false },
		{ "remote", true, false },
		{ "libreswan", false, true },
	};
	ck_assert_int_eq(SUITE_PEER_COUNT, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < SUITE_PEER_COUNT; i++) {
		const char *name = suite_peer_name((enum suite_peer)i);
		const struct peer_driver *d = peer_driver(name);
		ck_assert_msg(d, "no driver for suite peer %s", name);
		ck_assert_str_eq(d->name, want[i].name);
		ck_assert_int_eq(d->device, want[i].device);
		ck_assert_int_eq(d->available != NULL, want[i].may_be_missing);
		ck_assert_ptr_nonnull(d->start);
	}
	ck_assert_ptr_null(peer_driver(NULL));
	ck_assert(!peer_driver_udp_only(NULL));
	ck_assert(!peer_driver_udp_only(peer_driver("self")));
	const struct peer_driver *ss = peer_driver("strongswan");
	ck_assert_int_eq(peer_driver_udp_only(ss), !strongswan_kernel_esp());
	char why[200] = "";
	ck_assert_int_eq(ss->available(why, sizeof(why)), strongswan_available());
	if (!strongswan_available())
		ck_assert_str_eq(why, "strongSwan (charon, swanctl) is not installed; make deps "
			    "installs it");
	/* the remote driver without a profile refuses, saying what is missing */
	char err[200] = "";
	struct peer_start st = { .dir = "/nonexistent" };
	ck_assert_ptr_null(peer_driver("remote")->start(&st, err, sizeof(err)));
	ck_assert_msg(strstr(err, "needs a device profile"), "%s", err);
}
END_TEST

Suite *suite_peer(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("responder");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_peer_drivers);
	tcase_add_test(tc, test_peer_remote_state);
	tcase_add_test(tc, test_peer_state_round_trip);
	tcase_add_loop_test(tc, test_peer_self_ids, 0,
			    (int)(sizeof(tp_self_id_rows) / sizeof(tp_self_id_rows[0])));
	tcase_add_test(tc, test_peer_self_pki);
	tcase_add_loop_test(tc, test_peer_state_ids, 0,
			    (int)(sizeof(tp_state_id_rows) / sizeof(tp_state_id_rows[0])));
	tcase_add_test(tc, test_peer_state_ids_unknown);
	tcase_add_test(tc, test_peer_responder_main);
	tcase_add_test(tc, test_peer_responder_many);
	tcase_add_test(tc, test_peer_responder_exchanges);
	tcase_add_test(tc, test_peer_responder_refuses);
	suite_add_tcase(s, tc);
	tc = tcase_create("process");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_peer_config_error);
	tcase_add_test(tc, test_peer_usage);
	tcase_add_loop_test(tc, test_peer_signal, 0, 2);
	tcase_add_test(tc, test_peer_bind_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("initiator");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_peer_initiator, 0, 2);
	tcase_add_test(tc, test_peer_initiator_fails);
	tcase_add_test(tc, test_peer_initiator_to_peer);
	tcase_add_test(tc, test_peer_keepalive);
	tcase_add_test(tc, test_peer_natoa);
	suite_add_tcase(s, tc);
	tc = tcase_create("signature");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_peer_signature);
	suite_add_tcase(s, tc);
	return s;
}
