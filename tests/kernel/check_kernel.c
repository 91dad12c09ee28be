/* check-kernel-ike-conform: the tests that need a kernel with ESP. They run
 * inside the kernel lane's VM (`make check-kernel`, ci/kernel/), where
 * strongSwan uses kernel-netlink and traffic goes through kernel ESP SAs:
 *
 *   esp        the kernel accepts ESP SAs (which kernel it is, printed)
 *   ss-to-ss   two charons, Main Mode PSK + Quick Mode without UDP
 *              encapsulation, a ping through the tunnel, and the packets
 *              counted on the ESP SAs in both namespaces
 *   smoke      the harness against strongSwan (kernel-netlink): every
 *              smoke case of peers/interop, ESP not UDP-encapsulated
 *   xfrm       esp/xfrm alone: mirrored hand-made child SAs in two
 *              namespaces for a table of algorithms, plain ESP and ESP in
 *              UDP, a ping through them, the kernel's counters read back
 *              (3 each way), and nothing left after esp_xfrm_free; then
 *              transport mode (plain and in UDP), lifetimes as the kernel
 *              shows them, and a wrong inbound key (3 ICV drops counted)
 *
 * A runner of its own (the shared one in tests/ runs on any host). One
 * line per result on stdout, like test_report. Needs root. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/chunk.h"
#include "esp/xfrm.h"
#include "ike/config.h"
#include "netns/netns.h"
#include "case/case.h"
#include "case/smoke.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"
#include "wire/msg.h"

Suite *suite_kernel(void);

static void kt_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kt_report(const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	va_start(ap, fmt);
	/* seconds since boot: inside the VM, a timeline of the lane */
	printf("  [%6.1f s] ", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static uint64_t kt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int kt_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void kt_rmdir(const char *dir)
{
	if (dir && *dir && !getenv("IKEC_KERNEL_KEEP"))
		nftw(dir, kt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Why these tests cannot run here, or NULL. */
static const char *kt_cannot(void)
{
	if (geteuid() != 0)
		return "needs root (network namespaces)";
	if (!strongswan_available())
		return "strongSwan (charon, swanctl) is not installed; make deps installs it";
	if (!strongswan_kernel_esp())
		return "this kernel has no ESP: run the kernel tests through make check-kernel";
	return NULL;
}

/* ---- esp ---- */

START_TEST(test_kernel_esp)
{
	struct utsname u;
	ck_assert(uname(&u) == 0);
	bool esp = strongswan_kernel_esp();
	kt_report("kernel: linux %s (%s): ESP SAs %s, strongSwan uses %s", u.release, u.machine,
		  esp ? "accepted" : "refused", esp ? "kernel-netlink" : "kernel-libipsec");
	ck_assert_msg(esp, "the kernel %s refuses ESP SAs (ip xfrm state add ... proto esp); "
		      "run through make check-kernel", u.release);
}
END_TEST

/* ---- strongSwan to strongSwan over kernel ESP ---- */

/* One side of the strongSwan-to-strongSwan case in topology t. */
static void kt_ss_case(struct peer_case *c, const struct netns_topo *t, bool initiator,
		       const char *dir)
{
	char err[200];
	memset(c, 0, sizeof(*c));
	c->name = "kernel";
	c->initiator = initiator;
	c->exchange = WIRE_X_MAIN;
	c->auth = IKE_AUTH_PSK;
	c->psk = "ike-conform kernel lane psk";
	ck_assert_msg(ike_p1_parse("aes128-sha256-modp2048", &c->p1[0], err, sizeof(err)), "%s", err);
	ck_assert_msg(ike_p2_parse("aes128-sha256", &c->p2[0], err, sizeof(err)), "%s", err);
	c->p1[0].auth = IKE_AUTH_PSK;
	c->p1[0].life_sec = 3600;
	c->p2[0].life_sec = 1200;
	c->np1 = c->np2 = 1;
	c->local = initiator ? t->harness_ike : t->peer_ike;
	c->remote = initiator ? t->peer_public : t->harness_public;
	c->local.port = c->remote.port = 0;
	ck_assert(ike_ts_parse(initiator ? "10.1.0.1/32" : "10.2.0.1/32", &c->ts_local, err,
			       sizeof(err)));
	ck_assert(ike_ts_parse(initiator ? "10.2.0.1/32" : "10.1.0.1/32", &c->ts_remote, err,
			       sizeof(err)));
	c->force_encap = false;
	c->artifacts = dir;
}

static bool kt_up(struct peer *p, const struct peer_case *c, struct peer_sa_view *v)
{
	char err[256];
	ck_assert_msg(p->ops->view(p, c, v, err, sizeof(err)), "view: %s", err);
	return v->present && v->child.present;
}

/* `ip -s xfrm state` in ns: how many ESP SAs, the fewest packets counted
 * on one of them, and whether any is UDP-encapsulated. */
struct kt_xfrm {
	unsigned nesp;
	unsigned long min_packets;
	bool encap;
	char *text;
};

static void kt_xfrm_state(const char *ns, struct kt_xfrm *x)
{
	char *argv[] = { "ip", "-s", "xfrm", "state", NULL };
	char err[300];
	int st = -1;
	memset(x, 0, sizeof(*x));
	ck_assert_msg(netns_exec(ns, argv, NULL, 20000, &x->text, &st, err, sizeof(err)), "%s", err);
	ck_assert_msg(st == 0, "ip -s xfrm state in %s: exit %d\n%s", ns, st, x->text);
	x->min_packets = (unsigned long)-1;
	for (const char *s = x->text; (s = strstr(s, "proto esp")); s++)
		x->nesp++;
	x->encap = strstr(x->text, "encap type") != NULL;
	/* "lifetime current:" is followed by "  N(bytes), M(packets)" */
	for (const char *s = x->text; (s = strstr(s, "lifetime current:")); s++) {
		unsigned long bytes = 0, packets = 0;
		const char *l = strchr(s, '\n');
		if (l && sscanf(l + 1, " %lu(bytes), %lu(packets)", &bytes, &packets) == 2 &&
		    packets < x->min_packets)
			x->min_packets = packets;
	}
	if (x->min_packets == (unsigned long)-1)
		x->min_packets = 0;
}

/* The control: without the tunnel, the lo subnets do not reach each
 * other. */
static void kt_ping_control(const char *hns)
{
	char err[600];
	char *ping1[] = { "ping", "-c", "1", "-W", "1", "-I", "10.1.0.1", "10.2.0.1", NULL };
	char *out = NULL;
	int st = -1;
	ck_assert_msg(netns_exec(hns, ping1, NULL, 20000, &out, &st, err, sizeof(err)), "ping: %s", err);
	ck_assert_msg(st == 1, "ping before any SA exists: exit %d, not 1 (no answer):\n%s", st, out);
	free(out);
	kt_report("kernel: before the tunnel, ping 10.1.0.1 -> 10.2.0.1 gets no answer (exit %d)", st);
}

/* Three pings through the tunnel; their summary line goes in the report. */
static void kt_ping_tunnel(const char *hns)
{
	char *ping[] = { "ping", "-c", "3", "-i", "0.2", "-W", "5", "-I", "10.1.0.1", "10.2.0.1", NULL };
	char err[600], *out = NULL;
	int st = -1;
	ck_assert_msg(netns_exec(hns, ping, NULL, 30000, &out, &st, err, sizeof(err)), "ping: %s", err);
	ck_assert_msg(st == 0, "ping 10.1.0.1 -> 10.2.0.1 through the tunnel: exit %d\n%s", st, out);
	const char *sum = strstr(out, "packets transmitted");
	while (sum && sum > out && sum[-1] != '\n')
		sum--;
	char line[200] = "";
	if (sum)
		sscanf(sum, "%199[^\n]", line);
	kt_report("kernel: ping 10.1.0.1 -> 10.2.0.1 through the tunnel: %s", line);
	free(out);
}

/* Both sides' ip -s xfrm state: two ESP SAs each, not encapsulated, the
 * pings counted. */
static void kt_xfrm_expect(const char *hns, const char *pns)
{
	struct kt_xfrm xh, xp;
	kt_xfrm_state(hns, &xh);
	kt_xfrm_state(pns, &xp);
	kt_report("kernel: ip -s xfrm state: initiator %u ESP SAs, >= %lu packets each; responder "
		  "%u ESP SAs, >= %lu packets each; UDP encapsulation %s", xh.nesp, xh.min_packets,
		  xp.nesp, xp.min_packets, xh.encap || xp.encap ? "yes" : "none");
	ck_assert_msg(xh.nesp == 2 && xp.nesp == 2, "2 ESP SAs expected on each side:\n%s\n%s",
		      xh.text, xp.text);
	ck_assert_msg(!xh.encap && !xp.encap, "UDP-encapsulated SAs:\n%s\n%s", xh.text, xp.text);
	ck_assert_msg(xh.min_packets >= 3 && xp.min_packets >= 3,
		      "the ping's 3 packets each way are not all counted on the SAs:\n%s\n%s", xh.text,
		      xp.text);
	free(xh.text);
	free(xp.text);
}

START_TEST(test_kernel_ss_to_ss)
{
	const char *why = kt_cannot();
	ck_assert_msg(!why, "%s", why);
	char dir[64] = "/tmp/ikec-kernel-XXXXXX", err[600], d[2][128];
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	struct netns_topo *t = netns_topo_new(NETNS_TOPO_DIRECT, "ikeck", err, sizeof(err));
	ck_assert_msg(t, "topology: %s", err);
	const char *hns = netns_topo_ns(t, NETNS_ROLE_HARNESS), *pns = netns_topo_ns(t, NETNS_ROLE_PEER);
	for (int i = 0; i < 2; i++) {
		snprintf(d[i], sizeof(d[i]), "%s/%s", dir, i ? "responder" : "initiator");
		ck_assert(mkdir(d[i], 0700) == 0);
	}
	uint64_t t0 = kt_now_ms();
	struct peer *pi = strongswan_new(hns, d[0], err, sizeof(err));
	ck_assert_msg(pi, "strongSwan in %s: %s", hns, err);
	struct peer *pr = strongswan_new(pns, d[1], err, sizeof(err));
	ck_assert_msg(pr, "strongSwan in %s: %s", pns, err);
	uint64_t t1 = kt_now_ms();
	struct peer_case ci, cr;
	kt_ss_case(&ci, t, true, d[0]);
	kt_ss_case(&cr, t, false, d[1]);
	ck_assert_msg(pr->ops->configure(pr, &cr, err, sizeof(err)), "configure responder: %s", err);
	ck_assert_msg(pi->ops->configure(pi, &ci, err, sizeof(err)), "configure initiator: %s", err);
	kt_ping_control(hns);
	uint64_t t2 = kt_now_ms();
	ck_assert_msg(pi->ops->initiate(pi, &ci, err, sizeof(err)), "initiate: %s", err);
	struct peer_sa_view vi, vr;
	uint64_t limit = kt_now_ms() + 30000;
	while (!kt_up(pr, &cr, &vr) || !kt_up(pi, &ci, &vi)) {
		ck_assert_msg(kt_now_ms() < limit, "not established in 30 s; responder's view:\n%s",
			      vr.raw);
		usleep(20000);
	}
	uint64_t t3 = kt_now_ms();
	kt_report("kernel: strongSwan -> strongSwan: Main Mode PSK + Quick Mode established in "
		  "%" PRIu64 " ms (two charons started in %" PRIu64 " ms)", t3 - t2, t1 - t0);
	ck_assert_msg(!vi.child.encap && !vr.child.encap,
		      "the child SA is UDP-encapsulated (initiator %d, responder %d)",
		      vi.child.encap, vr.child.encap);

	kt_ping_tunnel(hns);

	kt_xfrm_expect(hns, pns);

	pi->ops->stop(pi);
	pr->ops->stop(pr);
	ck_assert_msg(netns_topo_teardown(t, err, sizeof(err)), "teardown: %s", err);
	netns_topo_free(t);
	kt_rmdir(dir);
}
END_TEST

/* ---- the harness against strongSwan (kernel-netlink) ---- */

/* The smoke cases against strongSwan (kernel-netlink) and against self,
 * with traffic: the harness's side on the kernel's ESP (esp/xfrm), raw ESP
 * in tunnel mode, pings and UDP tokens both ways, the counters of both
 * sides compared, the link captured. */
START_TEST(test_kernel_smoke)
{
	const char *why = kt_cannot();
	ck_assert_msg(!why, "%s", why);
	const char *bin = getenv("IKEC_BIN");
	ck_assert_msg(bin && access(bin, X_OK) == 0, "IKEC_BIN is not an ike-conform binary");
	char dir[64] = "/tmp/ikec-kernel-XXXXXX", err[600], sdir[700];
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	struct case_env v;
	ck_assert_msg(case_env_up(&v, dir, "ikeck", err, sizeof(err)), "%s", err);
	v.net.probe_bin = bin;
	static char fails[16384];
	fails[0] = 0;
	for (int k = 0; k < 2; k++) {
		const char *pname = k ? "self" : "strongswan (kernel-netlink)";
		snprintf(sdir, sizeof(sdir), "%s/%s", dir, k ? "self" : "strongswan");
		ck_assert(mkdir(sdir, 0700) == 0);
		const char *ns = netns_topo_ns(v.topo, NETNS_ROLE_PEER);
		struct peer *peer = k ? self_peer_new(bin, ns, sdir, err, sizeof(err))
				      : strongswan_new(ns, sdir, err, sizeof(err));
		ck_assert_msg(peer, "%s: %s", pname, err);
		unsigned passed = 0;
		for (size_t i = 0; i < case_nsmoke; i++) {
			const struct case_smoke *c = &case_smokes[i];
			struct case_spec sp = case_smoke_spec(c, &v, false);
			sp.traffic = true;
			struct case_result *r = xcalloc(1, sizeof(*r));
			char why2[2100], line[2400];
			bool ok = case_run(peer, &v.net, &sp, r, err, sizeof(err));
			if (!ok)
				snprintf(why2, sizeof(why2), "could not run: %s", err);
			else
				ok = case_smoke_judge(c, r, why2, sizeof(why2));
			if (ok && r->established && r->view.child.encap) {
				ok = false;
				snprintf(why2, sizeof(why2), "the peer's child SA is UDP-encapsulated");
			}
			if (ok && r->established && !r->traffic.kernel) {
				ok = false;
				snprintf(why2, sizeof(why2), "the harness's traffic did not use the kernel");
			}
			passed += ok;
			kt_report("kernel: interop %s %s: %s %" PRIu64 " ms%s", pname, c->name,
				  ok ? why2 : "FAILED", r->ms, r->loops ? ", peer loops" : "");
			snprintf(line, sizeof(line), "%s %s: %s\n", pname, c->name, why2);
			if (!ok && strlen(fails) + strlen(line) + 1 < sizeof(fails))
				strcat(fails, line);
			free(r);
			bool restarted = false;
			ck_assert_msg(peer->ops->alive(peer, &restarted, err, sizeof(err)), "%s", err);
			if (restarted && strlen(fails) + 80 < sizeof(fails))
				snprintf(fails + strlen(fails), sizeof(fails) - strlen(fails),
					 "%s: the peer had died and was restarted\n", c->name);
		}
		kt_report("kernel: interop %s: %u of %zu smoke cases as expected, with traffic",
			  pname, passed, case_nsmoke);
		peer->ops->stop(peer);
	}
	ck_assert_msg(case_env_down(&v, err, sizeof(err)), "teardown: %s", err);
	kt_rmdir(dir);
	ck_assert_msg(!fails[0], "%s", fails);
}
END_TEST

/* ---- esp/xfrm: the kernel data plane on its own ---- */

/* Algorithm combinations; each runs as plain ESP and as ESP in UDP. */
static const char *const kt_xfrm_algs[] = {
	"aes128-sha1", "aes256-sha256", "3des-md5", "aes128gcm16", "null-sha256",
	"aes256-sha512", "aes192-sha384", "aes256gcm8", "aes128gcm12", "des-sha1",
};

/* Keys for one direction, from OpenSSL's RNG. */
static chunk_t kt_rand_key(size_t len)
{
	chunk_t c = { xcalloc(1, len ? len : 1), len };
	ck_assert(len == 0 || RAND_bytes(c.ptr, (int)len) == 1);
	return c;
}

static void kt_rand_spi(uint8_t spi[4])
{
	do
		ck_assert(RAND_bytes(spi, 4) == 1);
	while (spi[0] == 0 && spi[1] == 0 && spi[2] < 1);    /* 1..255 are reserved */
}

/* One run: an algorithm and how it is used. */
struct kt_xfrm_variant {
	const char *alg;
	bool udp;                 /* ESP in UDP, ports 4500 */
	bool transport;           /* no client IDs: the hosts 192.0.2.1 <-> 192.0.2.2 */
	bool bad_key;             /* the responder's inbound integrity (GCM: cipher) key
				     differs: every packet must fail its ICV there */
	uint32_t life_sec, life_kb;
	const char *ts_h, *ts_p;  /* the client IDs (NULL: 10.1.0.1/32, 10.2.0.1/32) */
	const char *policy;       /* a line `ip xfrm policy` must show at the harness */
};

/* The initiator's child (harness side) and its mirror at the responder:
 * one's out is the other's in, SPIs and keys alike. */
static void kt_xfrm_children(const struct kt_xfrm_variant *v, struct ike_child *ci,
			     struct ike_child *cr, chunk_t *bad)
{
	char err[200];
	memset(ci, 0, sizeof(*ci));
	ci->protocol = 3;
	ck_assert_msg(ike_p2_parse(v->alg, &ci->xf, err, sizeof(err)), "%s", err);
	ci->xf.encap = v->transport ? (v->udp ? IKE_ENCAP_UDP_TRANSPORT : IKE_ENCAP_TRANSPORT)
				    : (v->udp ? IKE_ENCAP_UDP_TUNNEL : IKE_ENCAP_TUNNEL);
	ci->xf.life_sec = v->life_sec;
	ci->xf.life_kb = v->life_kb;
	kt_rand_spi(ci->spi_in);
	do
		kt_rand_spi(ci->spi_out);
	while (!memcmp(ci->spi_in, ci->spi_out, 4));
	ci->enc_in = kt_rand_key(ike_esp_enc_len(&ci->xf));
	ci->enc_out = kt_rand_key(ike_esp_enc_len(&ci->xf));
	ci->int_in = kt_rand_key(ike_esp_int_len(&ci->xf));
	ci->int_out = kt_rand_key(ike_esp_int_len(&ci->xf));
	if (!v->transport) {
		ck_assert_msg(ike_ts_parse(v->ts_h ? v->ts_h : "10.1.0.1/32", &ci->ts_local, err,
					   sizeof(err)), "%s", err);
		ck_assert_msg(ike_ts_parse(v->ts_p ? v->ts_p : "10.2.0.1/32", &ci->ts_remote, err,
					   sizeof(err)), "%s", err);
	}
	*cr = *ci;
	memcpy(cr->spi_in, ci->spi_out, 4);
	memcpy(cr->spi_out, ci->spi_in, 4);
	cr->enc_in = ci->enc_out;
	cr->enc_out = ci->enc_in;
	cr->int_in = ci->int_out;
	cr->int_out = ci->int_in;
	cr->ts_local = ci->ts_remote;
	cr->ts_remote = ci->ts_local;
	*bad = (chunk_t){ NULL, 0 };
	if (v->bad_key) {
		bool aead = ike_esp_int_len(&ci->xf) == 0;
		*bad = kt_rand_key(aead ? cr->enc_in.len : cr->int_in.len);
		*(aead ? &cr->enc_in : &cr->int_in) = *bad;
	}
}

static void kt_xfrm_children_free(struct ike_child *ci, chunk_t *bad)
{
	chunk_free(&ci->enc_in);
	chunk_free(&ci->enc_out);
	chunk_free(&ci->int_in);
	chunk_free(&ci->int_out);
	chunk_free(bad);
}

/* A UDP socket on port 4500 in ns with UDP_ENCAP_ESPINUDP: without one the
 * kernel hands ESP in UDP to nobody instead of decapsulating it. */
static int kt_encap_socket(const char *ns)
{
	struct netns_saved saved = { -1 };
	char err[300];
	ck_assert_msg(netns_enter(ns, &saved, err, sizeof(err)), "%s", err);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int e = errno;
	ck_assert_msg(netns_leave(&saved, err, sizeof(err)), "%s", err);
	ck_assert_msg(fd >= 0, "UDP socket in %s: %s", ns, strerror(e));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(4500) };
	ck_assert_msg(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind 4500 in %s: %s", ns,
		      strerror(errno));
	int type = UDP_ENCAP_ESPINUDP;
	ck_assert_msg(setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) == 0,
		      "UDP_ENCAP in %s: %s", ns, strerror(errno));
	/* transport mode's policies cover UDP 4500 between the hosts too */
	ck_assert_msg(esp_xfrm_socket_bypass(fd, err, sizeof(err)), "%s: %s", ns, err);
	return fd;
}

/* `ip [OPT] xfrm OBJ` in ns (caller frees). */
static char *kt_ip_xfrm(const char *ns, const char *opt, const char *obj)
{
	char *argv[] = { "ip", (char *)(opt ? opt : "xfrm"), opt ? "xfrm" : (char *)obj,
			 opt ? (char *)obj : NULL, NULL };
	char err[300], *out = NULL;
	int st = -1;
	ck_assert_msg(netns_exec(ns, argv, NULL, 20000, &out, &st, err, sizeof(err)), "%s", err);
	ck_assert_msg(st == 0, "ip xfrm %s in %s: exit %d\n%s", obj, ns, st, out);
	return out;
}

/* The nonzero lines of /proc/net/xfrm_stat in ns, on one line (caller
 * frees). */
static char *kt_xfrm_stat(const char *ns)
{
	char *argv[] = { "cat", "/proc/net/xfrm_stat", NULL };
	char err[300], *out = NULL;
	int st = -1;
	if (!netns_exec(ns, argv, NULL, 20000, &out, &st, err, sizeof(err)))
		return strdup(err);
	char *r = xcalloc(1, strlen(out) + 1);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		char name[64];
		unsigned long v;
		if (sscanf(l, "%63s %lu", name, &v) == 2 && v)
			sprintf(r + strlen(r), "%s%s %lu", r[0] ? ", " : "", name, v);
	}
	free(out);
	return r;
}

static const char *kt_xfrm_name(const struct kt_xfrm_variant *v, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s%s%s%s%s%s", v->alg, v->transport ? "transport" : "tunnel",
		 v->udp ? ", ESP in UDP 4500" : ", ESP", v->life_sec || v->life_kb ? ", lifetimes" : "",
		 v->bad_key ? ", wrong inbound key at the responder" : "", v->ts_h ? ", " : "",
		 v->ts_h ? v->ts_h : "", v->ts_h ? " <-> " : "", v->ts_h ? v->ts_p : "");
	return buf;
}

/* The harness's `ip -s xfrm state` (into *sh) and `ip xfrm policy` (into
 * *sp, when the variant names a line): the mode, encapsulation, replay
 * window, policy and lifetimes asked for. False with why. */
static bool kt_xfrm_check_state(const char *hns, const struct kt_xfrm_variant *v, char **sh,
				char **sp, char *why, size_t len)
{
	*sh = kt_ip_xfrm(hns, "-s", "state");
	bool encap = strstr(*sh, "encap type espinudp sport 4500 dport 4500") != NULL;
	if (encap != v->udp || !strstr(*sh, v->transport ? "mode transport" : "mode tunnel") ||
	    !strstr(*sh, "replay-window 32")) {
		snprintf(why, len, "ip -s xfrm state: not the mode, encapsulation or replay window "
			 "asked for:\n%s", *sh);
		return false;
	}
	if (v->policy) {
		*sp = kt_ip_xfrm(hns, NULL, "policy");
		if (!strstr(*sp, v->policy)) {
			snprintf(why, len, "ip xfrm policy lacks \"%s\":\n%s", v->policy, *sp);
			return false;
		}
	}
	if (v->life_kb || v->life_sec) {
		char b[64], sec[64];
		snprintf(b, sizeof(b), "hard %llu(bytes)", (unsigned long long)v->life_kb * 1024);
		snprintf(sec, sizeof(sec), "hard %u(sec)", v->life_sec);
		if (!strstr(*sh, b) || !strstr(*sh, sec)) {
			snprintf(why, len, "ip -s xfrm state lacks \"%s\" or \"%s\":\n%s", b, sec, *sh);
			return false;
		}
	}
	return true;
}

/* Three pings from the harness side (with the wrong key: none answered).
 * False with why: where the packets went, the SAs' counts and the
 * kernel's XFRM errors (err: the case's own buffer, as it stands). */
static bool kt_xfrm_ping(struct esp_xfrm *xh, struct esp_xfrm *xp, const char *hns,
			 const char *pns, const struct kt_xfrm_variant *v, char *err, size_t errlen,
			 char *why, size_t len)
{
	char *out = NULL;
	struct esp_counters hin, hout, pin, pout;
	char *ping[] = { "ping", "-c", "3", "-i", "0.2", "-W", v->bad_key ? "1" : "5", "-I",
			 v->transport ? "192.0.2.1" : "10.1.0.1", v->transport ? "192.0.2.2" : "10.2.0.1",
			 NULL };
	int st = -1;
	bool ok = true;
	if (!netns_exec(hns, ping, NULL, 30000, &out, &st, err, errlen) ||
	    st != (v->bad_key ? 1 : 0)) {
		/* where the packets went: the SAs' counts and the kernel's XFRM errors */
		char c[300] = "";
		if (esp_xfrm_counters(xh, 0, &hin, &hout, err, errlen) &&
		    esp_xfrm_counters(xp, 0, &pin, &pout, err, errlen))
			snprintf(c, sizeof(c), "initiator out %" PRIu64 " in %" PRIu64 ", responder in %"
				 PRIu64 " out %" PRIu64, hout.packets, hin.packets, pin.packets,
				 pout.packets);
		char *xs[2] = { kt_xfrm_stat(hns), kt_xfrm_stat(pns) };
		snprintf(why, len, "ping %s -> %s: exit %d, not %d %s; packets: %s; xfrm_stat "
			 "initiator: %s; responder: %s", ping[8], ping[9], st, v->bad_key ? 1 : 0, err,
			 c, xs[0], xs[1]);
		free(xs[0]);
		free(xs[1]);
		ok = false;
	}
	free(out);
	return ok;
}

/* The SAs' counters after the pings: the echo requests out at one side
 * are the in count at the other; with the wrong key they are the
 * responder's integrity drops. The harness's out and the responder's in
 * counters into *sent_h and *got_p; false with why. */
static bool kt_xfrm_counts(struct esp_xfrm *xh, struct esp_xfrm *xp,
			   const struct kt_xfrm_variant *v, struct esp_counters *sent_h,
			   struct esp_counters *got_p, char *why, size_t len)
{
	char err[700];
	struct esp_counters hin, hout, pin, pout;
	if (!esp_xfrm_counters(xh, 0, &hin, &hout, err, sizeof(err)) ||
	    !esp_xfrm_counters(xp, 0, &pin, &pout, err, sizeof(err))) {
		snprintf(why, len, "counters: %s", err);
		return false;
	}
	*sent_h = hout;
	*got_p = pin;
	/* the echo requests out at one side are the in count at the other;
	   with the wrong key they are the responder's integrity drops */
	uint64_t answered = v->bad_key ? 0 : 3, icv = v->bad_key ? 3 : 0;
	if (hout.packets != 3 || pin.packets != answered || pout.packets != answered ||
	    hin.packets != answered || pin.drops[ESP_DROP_ICV] != icv || hin.drops[ESP_DROP_ICV] ||
	    hin.drops[ESP_DROP_REPLAY] || pin.drops[ESP_DROP_REPLAY]) {
		snprintf(why, len, "packets: initiator out %" PRIu64 " in %" PRIu64 ", responder in "
			 "%" PRIu64 " out %" PRIu64 " (3 %" PRIu64 " %" PRIu64 " %" PRIu64 " expected); "
			 "drops replay/ICV: initiator %" PRIu64 "/%" PRIu64 ", responder %" PRIu64
			 "/%" PRIu64 " (ICV %" PRIu64 " expected)", hout.packets, hin.packets, pin.packets,
			 pout.packets, answered, answered, answered, hin.drops[ESP_DROP_REPLAY],
			 hin.drops[ESP_DROP_ICV], pin.drops[ESP_DROP_REPLAY], pin.drops[ESP_DROP_ICV], icv);
		return false;
	}
	return true;
}

/* After esp_xfrm_free: nothing of ours left in either namespace (the last
 * listings in *sh and *sp, which it frees before each). False with why. */
static bool kt_xfrm_left(const char *hns, const char *pns, char **sh, char **sp, char *why,
			 size_t len)
{
	for (int i = 0; i < 2; i++) {
		free(*sh);
		free(*sp);
		*sh = kt_ip_xfrm(i ? pns : hns, NULL, "state");
		*sp = kt_ip_xfrm(i ? pns : hns, NULL, "policy");
		/* the encap sockets' own bypass policies ("socket in/out") stay */
		if ((*sh)[0] || strstr(*sp, "dir ")) {
			snprintf(why, len, "left in %s after esp_xfrm_free:\n%s\n%s", i ? pns : hns, *sh,
				 *sp);
			return false;
		}
	}
	return true;
}

/* One run: both sides installed, a ping, the counters, removal. False
 * with why (the lane goes on with the next one). */
static bool kt_xfrm_case(const struct netns_topo *t, const struct kt_xfrm_variant *v, char *why,
			 size_t len)
{
	const char *hns = netns_topo_ns(t, NETNS_ROLE_HARNESS), *pns = netns_topo_ns(t, NETNS_ROLE_PEER);
	char err[700];
	bool ok = false;
	struct ike_child ci, cr;
	chunk_t bad;
	kt_xfrm_children(v, &ci, &cr, &bad);
	struct netaddr hl = t->harness_ike, pl = t->peer_ike;
	hl.port = pl.port = v->udp ? 4500 : 500;
	struct esp_xfrm *xh = esp_xfrm_new(hns, err, sizeof(err));
	struct esp_xfrm *xp = xh ? esp_xfrm_new(pns, err, sizeof(err)) : NULL;
	char *sh = NULL, *sp = NULL;
	struct esp_counters hout, pin;
	if (!xp) {
		snprintf(why, len, "esp_xfrm_new: %s", err);
		goto done;
	}
	if (!esp_xfrm_add_child(xh, &ci, &hl, &pl, err, sizeof(err)) ||
	    !esp_xfrm_add_child(xp, &cr, &pl, &hl, err, sizeof(err))) {
		snprintf(why, len, "add child: %s", err);
		goto done;
	}
	if (!kt_xfrm_check_state(hns, v, &sh, &sp, why, len) ||
	    !kt_xfrm_ping(xh, xp, hns, pns, v, err, sizeof(err), why, len) ||
	    !kt_xfrm_counts(xh, xp, v, &hout, &pin, why, len))
		goto done;
	esp_xfrm_free(xh);
	esp_xfrm_free(xp);
	xh = xp = NULL;
	if (!kt_xfrm_left(hns, pns, &sh, &sp, why, len))
		goto done;
	if (v->bad_key)
		snprintf(why, len, "3 packets out, 3 ICV drops at the responder, none accepted");
	else
		snprintf(why, len, "3 packets each way on both sides (bytes: out %" PRIu64 ", in %"
			 PRIu64 ")", hout.bytes, pin.bytes);
	ok = true;
done:
	esp_xfrm_free(xh);
	esp_xfrm_free(xp);
	free(sh);
	free(sp);
	kt_xfrm_children_free(&ci, &bad);
	return ok;
}

START_TEST(test_kernel_xfrm)
{
	char err[600], why[800];
	ck_assert_msg(geteuid() == 0, "needs root (network namespaces)");
	ck_assert_msg(esp_xfrm_supported(why, sizeof(why)), "esp_xfrm_supported: %s", why);
	kt_report("kernel: esp_xfrm_supported: yes");
	struct netns_topo *t = netns_topo_new(NETNS_TOPO_DIRECT, "ikeck", err, sizeof(err));
	ck_assert_msg(t, "topology: %s", err);
	const char *hns = netns_topo_ns(t, NETNS_ROLE_HARNESS), *pns = netns_topo_ns(t, NETNS_ROLE_PEER);
	/* the first route lookup must succeed before XFRM sees the packet; the
	   policies then make ESP of it (the counters prove it) */
	ck_assert_msg(netns_route_add(hns, "10.2.0.1/32", "eth-p", "192.0.2.2", err, sizeof(err)),
		      "%s", err);
	ck_assert_msg(netns_route_add(pns, "10.1.0.1/32", "eth-h", "192.0.2.1", err, sizeof(err)),
		      "%s", err);
	int fh = kt_encap_socket(hns), fp = kt_encap_socket(pns);
	static char fails[16384];
	fails[0] = 0;
	unsigned passed = 0, n = 0;
	struct kt_xfrm_variant runs[2 * sizeof(kt_xfrm_algs) / sizeof(kt_xfrm_algs[0]) + 16];
	size_t nruns = 0;
	for (size_t i = 0; i < sizeof(kt_xfrm_algs) / sizeof(kt_xfrm_algs[0]); i++)
		for (int udp = 0; udp < 2; udp++)
			runs[nruns++] = (struct kt_xfrm_variant){ .alg = kt_xfrm_algs[i], .udp = udp };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes128-sha256", .transport = true };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes128gcm16", .transport = true,
						  .udp = true };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes256-sha384", .transport = true,
						  .udp = true };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes256-sha1", .life_sec = 1200,
						  .life_kb = 1024 };
	/* a range splits into prefixes (10.1.0.0/30 and 10.1.0.4/31), a
	   protocol narrows the selectors */
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes128-sha256", .ts_h = "10.1.0.0-10.1.0.5",
						  .ts_p = "10.2.0.0/24",
						  .policy = "src 10.1.0.4/31 dst 10.2.0.0/24" };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes128gcm16", .ts_h = "10.1.0.1/32 1/0",
						  .ts_p = "10.2.0.1/32 1/0",
						  .policy = "src 10.1.0.1/32 dst 10.2.0.1/32 proto icmp" };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes128-sha1", .bad_key = true };
	runs[nruns++] = (struct kt_xfrm_variant){ .alg = "aes256gcm16", .bad_key = true,
						  .udp = true };
	for (size_t i = 0; i < nruns; i++) {
		char name[160], line[1000];
		uint64_t t0 = kt_now_ms();
		bool ok = kt_xfrm_case(t, &runs[i], why, sizeof(why));
		n++;
		passed += ok;
		kt_report("kernel: xfrm %s: %s %s (%" PRIu64 " ms)", kt_xfrm_name(&runs[i], name,
			  sizeof(name)), ok ? "ok," : "FAILED:", why, kt_now_ms() - t0);
		/* Check caps a message at a few kB: the first lines of each */
		snprintf(line, sizeof(line), "%s: %.300s\n", name, why);
		if (!ok && strlen(fails) + strlen(line) + 1 < sizeof(fails))
			strcat(fails, line);
	}
	kt_report("kernel: xfrm: %u of %u runs as expected", passed, n);
	close(fh);
	close(fp);
	ck_assert_msg(netns_topo_teardown(t, err, sizeof(err)), "teardown: %s", err);
	netns_topo_free(t);
	ck_assert_msg(!fails[0], "%.3500s", fails);
}
END_TEST

Suite *suite_kernel(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("kernel");
	/* TCG is slow: minutes, not seconds */
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_kernel_esp);
	tcase_add_test(tc, test_kernel_ss_to_ss);
	tcase_add_test(tc, test_kernel_smoke);
	suite_add_tcase(s, tc);
	TCase *tx = tcase_create("xfrm");
	tcase_set_timeout(tx, 240);
	tcase_add_test(tx, test_kernel_xfrm);
	suite_add_tcase(s, tx);
	return s;
}

int main(void)
{
	char err[300];
	if (!netns_install_signal_cleanup(err, sizeof(err))) {
		fprintf(stderr, "check-kernel: %s\n", err);
		return 1;
	}
	SRunner *sr = srunner_create(suite_kernel());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
