/* Interop: the self driver's generated config, the cross-check, and real
 * cases in namespaces against strongSwan and against ourselves. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ftw.h>
#include <sched.h>

#include <openssl/pem.h>

#include "core/chunk.h"
#include "ike/config.h"
#include "netns/netns.h"
#include "peers/interop.h"
#include "peers/strongswan/strongswan.h"
#include "peers/self/self.h"
#include "suite/peercfg.h"
#include "wire/msg.h"
#include "tests.h"

/* ---- the self peer's config: generated, loaded back, the same case ---- */

static struct peer_case ti_case(const char *name, bool initiator, uint8_t exchange,
				const char *p1, const char *p2)
{
	struct peer_case c;
	char err[200];
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.initiator = initiator;
	c.exchange = exchange;
	c.auth = IKE_AUTH_PSK;
	c.psk = "a secret";
	ck_assert_msg(ike_p1_parse(p1, &c.p1[0], err, sizeof(err)), "%s", err);
	c.p1[0].auth = IKE_AUTH_PSK;
	c.np1 = 1;
	ck_assert_msg(ike_p2_parse(p2, &c.p2[0], err, sizeof(err)), "%s", err);
	c.np2 = 1;
	ck_assert(netaddr_parse("192.0.2.2", 0, &c.local, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.1", 0, &c.remote, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.2.0.1/32", &c.ts_local, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.1.0.0/16", &c.ts_remote, err, sizeof(err)));
	return c;
}

static const struct {
	const char *p1, *p2;
	bool initiator, aggr, transport, force;
	uint32_t ike_life, child_life;
	const char *local_id, *remote_id;
} self_cfg_cases[] = {
	{ "aes128-sha256-modp2048", "aes128-sha256", false, false, false, false, 0, 0, NULL, NULL },
	{ "3des-md5-modp1024", "3des-md5", true, true, false, true, 3600, 1200,
	  "fqdn:sun.example.org", "ufqdn:moon@example.org" },
	{ "aes256-sha512-ecp256", "aes256gcm16-modp2048", false, false, true, false, 28800, 0,
	  "192.0.2.2", "dn:C=CH, O=ike-conform, CN=moon.example.org" },
	{ "des-sha1-modp768", "null-sha1", true, false, false, false, 0, 60, NULL, NULL },
};

START_TEST(test_interop_self_config)
{
	const __typeof__(self_cfg_cases[0]) *t = &self_cfg_cases[_i];
	struct peer_case c = ti_case("cfg", t->initiator, t->aggr ? WIRE_X_AGGR : WIRE_X_MAIN,
				     t->p1, t->p2);
	char err[300], text[8192];
	c.p1[0].life_sec = t->ike_life;
	c.p2[0].life_sec = t->child_life;
	c.transport_mode = t->transport;
	c.force_encap = t->force;
	if (t->local_id)
		ck_assert_msg(ike_id_parse(t->local_id, &c.local_id, err, sizeof(err)), "%s", err);
	if (t->remote_id)
		ck_assert_msg(ike_id_parse(t->remote_id, &c.remote_id, err, sizeof(err)), "%s", err);
	ck_assert_msg(self_peer_config(&c, text, sizeof(text), err, sizeof(err)), "%s", err);
	struct peercfg pc;
	struct yaml_error ye = { 0 };
	ck_assert_msg(peercfg_load_string("generated", text, &pc, &ye), "%s\n%s", ye.text, text);
	const struct ike_config *k = &pc.ike;
	ck_assert_int_eq(k->role, t->initiator ? IKE_INITIATOR : IKE_RESPONDER);
	ck_assert_uint_eq(k->exchange, c.exchange);
	ck_assert(chunk_eq(k->psk, CHUNK_FROM(c.psk, strlen(c.psk))));
	ck_assert_uint_eq(k->np1, 1);
	ck_assert_uint_eq(k->p1[0].encr, c.p1[0].encr);
	ck_assert_uint_eq(k->p1[0].keylen, c.p1[0].keylen);
	ck_assert_uint_eq(k->p1[0].hash, c.p1[0].hash);
	ck_assert_uint_eq(k->p1[0].group, c.p1[0].group);
	ck_assert_uint_eq(k->p1[0].auth, IKE_AUTH_PSK);
	ck_assert_uint_eq(k->p1[0].life_sec, t->ike_life);
	ck_assert_uint_eq(k->np2, 1);
	ck_assert_uint_eq(k->p2[0].transform, c.p2[0].transform);
	ck_assert_uint_eq(k->p2[0].keylen ? k->p2[0].keylen : 128, c.p2[0].keylen ? c.p2[0].keylen : 128);
	ck_assert_uint_eq(k->p2[0].auth, c.p2[0].auth);
	ck_assert_uint_eq(k->p2[0].group, c.p2[0].group);
	ck_assert_uint_eq(k->p2[0].life_sec, t->child_life);
	ck_assert_uint_eq(k->p2[0].encap, t->transport ? IKE_ENCAP_TRANSPORT : IKE_ENCAP_TUNNEL);
	ck_assert_int_eq(k->natt_force, t->force);
	ck_assert_uint_eq(k->natt, IKE_NATT_ALL);
	ck_assert_uint_eq(k->local_id.type, c.local_id.type);
	ck_assert_uint_eq(k->local_id.len, c.local_id.len);
	ck_assert(memcmp(k->local_id.data, c.local_id.data, c.local_id.len) == 0);
	ck_assert_uint_eq(k->remote_id.type, c.remote_id.type);
	ck_assert(memcmp(k->remote_id.data, c.remote_id.data, c.remote_id.len) == 0);
	ck_assert_uint_eq(k->ts_local.len, c.ts_local.len);
	ck_assert(memcmp(k->ts_local.data, c.ts_local.data, c.ts_local.len) == 0);
	ck_assert(memcmp(k->ts_remote.data, c.ts_remote.data, c.ts_remote.len) == 0);
	ck_assert_uint_eq(pc.nlisten, 1);
	char a[NETADDR_STRLEN];
	ck_assert_str_eq(netaddr_str(&pc.listen[0], a, sizeof(a)), "192.0.2.2:500");
	if (t->initiator)
		ck_assert_str_eq(netaddr_str(&pc.remote, a, sizeof(a)), "192.0.2.1:500");
	peercfg_free(&pc);
}
END_TEST

START_TEST(test_interop_self_config_refused)
{
	struct peer_case c = ti_case("bad", false, WIRE_X_MAIN, "aes128-sha1-modp2048", "aes128-sha1");
	char err[300], text[8192], tiny[64];
	c.psk = "quote\"inside";
	ck_assert(!self_peer_config(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "case bad: the PSK has a quote"), "%s", err);
	c.psk = "fine";
	c.auth = IKE_AUTH_DSS;
	ck_assert(!self_peer_config(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "auth method 2"), "%s", err);
	c.auth = IKE_AUTH_PSK;
	ck_assert(!self_peer_config(&c, tiny, sizeof(tiny), err, sizeof(err)));
	ck_assert_msg(strstr(err, "does not fit in 64 bytes"), "%s", err);
}
END_TEST

/* ---- the cross-check ---- */

static void ti_views(struct ike_p1_xform *p1, struct ike_child *ch, struct peer_sa_view *v)
{
	char err[200];
	memset(ch, 0, sizeof(*ch));
	memset(v, 0, sizeof(*v));
	ck_assert(ike_p1_parse("aes128-sha256-modp2048", p1, err, sizeof(err)));
	ck_assert(ike_p2_parse("aes256-sha1", &ch->xf, err, sizeof(err)));
	ch->xf.encap = IKE_ENCAP_UDP_TUNNEL;
	memcpy(ch->spi_in, "\x11\x22\x33\x44", 4);
	memcpy(ch->spi_out, "\x55\x66\x77\x88", 4);
	v->present = true;
	v->encr = p1->encr;
	v->keylen = 128;
	v->hash = p1->hash;
	v->group = p1->group;
	v->child.present = true;
	v->child.transform = IKE_ESP_AES;
	v->child.keylen = 256;
	v->child.auth = IKE_EAUTH_SHA1;
	v->child.encap = true;
	memcpy(v->child.spi_in, ch->spi_out, 4);
	memcpy(v->child.spi_out, ch->spi_in, 4);
	snprintf(v->raw, sizeof(v->raw), "the peer's own words");
}

static const struct {
	const char *name;
	int field;
	const char *want;
} xcheck_cases[] = {
	{ "equal", 0, NULL },
	{ "encryption", 1, "IKE encryption 7 vs 5" },
	{ "keysize", 2, "IKE key size 128 vs 256" },
	{ "hash", 3, "IKE hash/PRF 4 vs 2" },
	{ "group", 4, "DH group 14 vs 19" },
	{ "esp", 5, "ESP transform 12 vs 3" },
	{ "integrity", 6, "ESP integrity 2 vs 5" },
	{ "pfs", 7, "PFS group 0 vs 14" },
	{ "encap", 8, "UDP encapsulation yes vs no" },
	{ "spi", 9, "SPIs not crossed: harness in 11223344 out 55667788, peer in 11223344 out" },
	{ "no ike", 10, "the peer has no established IKE SA" },
	{ "no child", 11, "the peer has no child SA" },
	{ "fixed key size unsaid", 12, NULL },
	{ "ike lifetime", 13, "IKE lifetime 3600s vs 3960s" },
	{ "esp lifetime", 14, "ESP lifetime 1200s vs 28800s" },
	{ "lifetime read late", 15, NULL },
};

START_TEST(test_interop_cross_check)
{
	const __typeof__(xcheck_cases[0]) *t = &xcheck_cases[_i];
	struct ike_p1_xform p1;
	struct ike_child ch;
	struct peer_sa_view v;
	ti_views(&p1, &ch, &v);
	switch (t->field) {
	case 1: v.encr = 5; v.keylen = 0; break;
	case 2: v.keylen = 256; break;
	case 3: v.hash = 2; break;
	case 4: v.group = 19; break;
	case 5: v.child.transform = 3; v.child.keylen = 0; break;
	case 6: v.child.auth = 5; break;
	case 7: v.child.group = 14; break;
	case 8: v.child.encap = false; break;
	case 9: memcpy(v.child.spi_in, ch.spi_in, 4); break;
	case 10: v.present = false; break;
	case 11: v.child.present = false; break;
	case 12: v.child.keylen = 0; ch.xf.keylen = 256; break;
	case 13: p1.life_sec = 3600; v.life_sec = 3960; break;
	case 14: ch.xf.life_sec = 1200; v.child.life_sec = 28800; break;
	case 15: p1.life_sec = 3600; v.life_sec = 3599; ch.xf.life_sec = 1200; v.child.life_sec = 1198; break;
	}
	char why[2048] = "";
	bool ok = interop_cross_check(&p1, &ch, &v, why, sizeof(why));
	if (!t->want) {
		ck_assert_msg(ok, "%s: %s", t->name, why);
		return;
	}
	ck_assert_msg(!ok, "%s: the cross-check passed", t->name);
	ck_assert_msg(strstr(why, t->want), "%s: %s", t->name, why);
	/* both views are printed */
	ck_assert_msg(strstr(why, "harness: aes128-sha256-modp2048") && strstr(why, "the peer's own words"),
		      "%s", why);
}
END_TEST

/* ---- live: namespaces, strongSwan and self ---- */

/* Why live cases cannot run here, or NULL. */
static const char *ti_live_why(void)
{
	static int state; /* 0 unknown, 1 ok, 2 not root, 3 no namespaces */
	if (!state) {
		state = 1;
		if (geteuid() != 0) {
			state = 2;
		} else {
			pid_t pid = fork();
			if (pid == 0)
				_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
			int st = 1;
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				state = 3;
		}
	}
	return state == 2 ? "needs root (network namespaces)"
	       : state == 3 ? "unshare(CLONE_NEWNET) is not permitted here" : NULL;
}

static int ti_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void ti_rmdir(const char *dir)
{
	if (dir && *dir && !getenv("IKEC_INTEROP_KEEP"))
		nftw(dir, ti_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every test PEM in one place: moon and sun with root + intermediate as
 * one CA bundle (strongSwan and we both need the intermediate). */
struct ti_env {
	char dir[64];
	struct netns_topo *topo;
	struct pki_testpki *pki;
	char ca[600];
	struct interop_net net;
	char hts[80], pts[80];
};

static void ti_env_up(struct ti_env *v, const char *prefix)
{
	char err[512];
	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "/tmp/ikec-interop-XXXXXX");
	ck_assert_msg(mkdtemp(v->dir), "mkdtemp: %s", strerror(errno));
	char pkidir[128];
	snprintf(pkidir, sizeof(pkidir), "%s/pki", v->dir);
	ck_assert(mkdir(pkidir, 0700) == 0);
	struct pki_err pe;
	v->pki = pki_testpki_create(pkidir, NULL, &pe);
	ck_assert_msg(v->pki, "test PKI: %s", pe.msg);
	snprintf(v->ca, sizeof(v->ca), "%s/ca-bundle.pem", pkidir);
	FILE *f = fopen(v->ca, "w");
	ck_assert(f);
	ck_assert(PEM_write_X509(f, v->pki->root.cert) && PEM_write_X509(f, v->pki->inter.cert));
	fclose(f);
	v->topo = netns_topo_new(NETNS_TOPO_DIRECT, prefix, err, sizeof(err));
	ck_assert_msg(v->topo, "topology: %s", err);
	v->net.harness_ns = netns_topo_ns(v->topo, NETNS_ROLE_HARNESS);
	v->net.harness = v->topo->harness_ike;
	v->net.harness_public = v->topo->harness_public;
	v->net.peer = v->topo->peer_ike;
	v->net.peer_public = v->topo->peer_public;
	char a[NETADDR_STRLEN];
	struct netaddr x = v->topo->harness_subnet;
	x.port = 0;
	netaddr_str(&x, a, sizeof(a));
	*strrchr(a, ':') = '\0';
	snprintf(v->hts, sizeof(v->hts), "%s/32", a);
	x = v->topo->peer_subnet;
	x.port = 0;
	netaddr_str(&x, a, sizeof(a));
	*strrchr(a, ':') = '\0';
	snprintf(v->pts, sizeof(v->pts), "%s/32", a);
	v->net.harness_ts = v->hts;
	v->net.peer_ts = v->pts;
}

static void ti_env_down(struct ti_env *v)
{
	char err[512];
	if (v->topo) {
		ck_assert_msg(netns_topo_teardown(v->topo, err, sizeof(err)), "teardown: %s", err);
		netns_topo_free(v->topo);
	}
	pki_testpki_free(v->pki);
	ti_rmdir(v->dir);
}

enum ti_expect { TI_ESTABLISHED, TI_NO_PROPOSAL };

static const struct ti_case {
	const char *name;
	bool harness_initiates;
	uint8_t exchange;
	uint16_t auth;
	const char *peer_p1;       /* a mismatch */
	enum ti_expect expect;
} ti_cases[] = {
	{ "mm-psk-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, NULL, TI_ESTABLISHED },
	{ "mm-psk-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, NULL, TI_ESTABLISHED },
	{ "am-psk-h2p", true, WIRE_X_AGGR, IKE_AUTH_PSK, NULL, TI_ESTABLISHED },
	{ "am-psk-p2h", false, WIRE_X_AGGR, IKE_AUTH_PSK, NULL, TI_ESTABLISHED },
	{ "mm-rsa-h2p", true, WIRE_X_MAIN, IKE_AUTH_RSA, NULL, TI_ESTABLISHED },
	{ "mm-rsa-p2h", false, WIRE_X_MAIN, IKE_AUTH_RSA, NULL, TI_ESTABLISHED },
	{ "mismatch-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024", TI_NO_PROPOSAL },
	{ "mismatch-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024", TI_NO_PROPOSAL },
};

static bool ti_has(const uint16_t *v, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == type)
			return true;
	return false;
}

/* Run every case against one peer (one process kept across cases, the
 * drivers' fast path); each verdict goes into fails. */
static void ti_run_all(struct ti_env *v, struct peer *peer, bool force_encap, char *fails,
		       size_t flen)
{
	for (size_t i = 0; i < sizeof(ti_cases) / sizeof(ti_cases[0]); i++) {
		const struct ti_case *c = &ti_cases[i];
		struct interop_spec sp = {
			.name = c->name, .harness_initiates = c->harness_initiates,
			.exchange = c->exchange, .auth = c->auth, .p1 = "aes128-sha256-modp2048",
			.p2 = "aes128-sha256", .peer_p1 = c->peer_p1, .ike_life = 3600,
			.child_life = 1200, .force_encap = force_encap, .pki = v->pki,
			.ca_file = v->ca, .limit_ms = c->expect == TI_ESTABLISHED ? 10000 : 4000,
		};
		struct interop_result *r = xcalloc(1, sizeof(*r));
		char err[600], line[3000];
		bool ok;
		if (!interop_run(peer, &v->net, &sp, r, err, sizeof(err))) {
			snprintf(line, sizeof(line), "%s: could not run: %s\n", c->name, err);
			ok = false;
		} else if (c->expect == TI_ESTABLISHED) {
			ok = r->established && r->agree;
			snprintf(line, sizeof(line), "%s: %s\n", c->name, r->why);
		} else {
			/* refused on the wire with NO-PROPOSAL-CHOSEN: received by the
			   harness as initiator, sent by it as responder */
			ok = !r->established && (c->harness_initiates
				? ti_has(r->notify_rx, r->nnotify_rx, WIRE_N_NO_PROPOSAL_CHOSEN)
				: ti_has(r->notify_tx, r->nnotify_tx, WIRE_N_NO_PROPOSAL_CHOSEN));
			snprintf(line, sizeof(line), "%s: no NO-PROPOSAL-CHOSEN %s (%zu received, %zu sent); %s\n",
				 c->name, c->harness_initiates ? "received" : "sent", r->nnotify_rx,
				 r->nnotify_tx, r->why);
		}
		test_report("interop: %s %s: %s %" PRIu64 " ms%s", peer->ops->name, c->name,
			    ok ? (c->expect == TI_ESTABLISHED ? "established, views agree"
				  : "refused with NO-PROPOSAL-CHOSEN") : "FAILED", r->ms,
			    peer->ops->calm ? (r->loops ? ", peer loops" : ", peer calm") : "");
		/* the loop watch sees this case's own attempts */
		if (peer->ops->calm && !r->attempts && strlen(fails) + 80 < flen)
			snprintf(fails + strlen(fails), flen - strlen(fails),
				 "%s: the loop watch counted no attempt at all\n", c->name);
		if (!ok && strlen(fails) + strlen(line) + 1 < flen)
			strcat(fails, line);
		free(r);
		bool restarted = false;
		ck_assert_msg(peer->ops->alive(peer, &restarted, err, sizeof(err)), "%s", err);
		if (restarted && strlen(fails) + 80 < flen)
			snprintf(fails + strlen(fails), flen - strlen(fails),
				 "%s: the peer had died and was restarted\n", c->name);
	}
}

START_TEST(test_interop_strongswan)
{
	const char *why = ti_live_why();
	if (why) {
		test_skip("interop strongswan", why);
		return;
	}
	if (!strongswan_available()) {
		test_skip("interop strongswan", "strongSwan (charon, swanctl) is not installed; make deps installs it");
		return;
	}
	struct ti_env v;
	ti_env_up(&v, "ikecti");
	char err[600], dir[600], fails[16384] = "";
	snprintf(dir, sizeof(dir), "%s/strongswan", v.dir);
	ck_assert(mkdir(dir, 0700) == 0);
	struct peer *ss = strongswan_new(netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err, sizeof(err));
	ck_assert_msg(ss, "strongSwan: %s", err);
	/* kernel-libipsec installs only UDP-encapsulated ESP */
	ti_run_all(&v, ss, !strongswan_kernel_esp(), fails, sizeof(fails));
	ss->ops->stop(ss);
	ti_env_down(&v);
	ck_assert_msg(!fails[0], "%s", fails);
}
END_TEST

START_TEST(test_interop_self)
{
	const char *why = ti_live_why();
	const char *bin = getenv("IKEC_BIN");
	if (why || !bin || access(bin, X_OK) != 0) {
		test_skip("interop self", why ? why : "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	struct ti_env v;
	ti_env_up(&v, "ikecti");
	char err[600], dir[600], fails[16384] = "";
	snprintf(dir, sizeof(dir), "%s/self", v.dir);
	struct peer *self = self_peer_new(bin, netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err,
					  sizeof(err));
	ck_assert_msg(self, "self: %s", err);
	ti_run_all(&v, self, false, fails, sizeof(fails));
	self->ops->stop(self);
	ti_env_down(&v);
	ck_assert_msg(!fails[0], "%s", fails);
}
END_TEST

/* A case killed on purpose (SIGKILL, mid-exchange, charon running): the
 * namespaces and their processes are removed by prefix afterwards, and
 * nothing is left. */
START_TEST(test_interop_killed_case)
{
	const char *why = ti_live_why();
	if (why || !strongswan_available()) {
		test_skip("interop killed case", why ? why : "strongSwan is not installed");
		return;
	}
	char dir[64] = "/tmp/ikec-interop-XXXXXX", prefix[32], err[600];
	ck_assert(mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "ikeck%05d", (int)(getpid() % 100000));
	int pfd[2];
	ck_assert(pipe(pfd) == 0);
	pid_t child = fork();
	ck_assert(child >= 0);
	if (child == 0) {
		close(pfd[0]);
		struct netns_topo *t = netns_topo_new(NETNS_TOPO_DIRECT, prefix, err, sizeof(err));
		char sdir[600];
		snprintf(sdir, sizeof(sdir), "%s/strongswan", dir);
		mkdir(sdir, 0700);
		struct peer *ss = t ? strongswan_new(netns_topo_ns(t, NETNS_ROLE_PEER), sdir, err,
						     sizeof(err)) : NULL;
		char ok = ss ? 'y' : 'n';
		if (write(pfd[1], &ok, 1) != 1)
			_exit(2);
		for (;;)
			pause();  /* killed here, with charon running */
	}
	close(pfd[1]);
	char ok = 0;
	ck_assert(read(pfd[0], &ok, 1) == 1);
	close(pfd[0]);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert_msg(ok == 'y', "the child could not start strongSwan");
	char h[64];
	snprintf(h, sizeof(h), "%s-", prefix);
	unsigned n = 0;
	ck_assert_msg(netns_cleanup_prefix(prefix, NULL, NULL, &n, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 2);   /* harness and peer */
	/* no namespace of that run, and no charon using its directory */
	FILE *p = popen("ip netns list", "r");
	ck_assert(p);
	char line[256];
	while (fgets(line, sizeof(line), p))
		ck_assert_msg(strncmp(line, h, strlen(h)) != 0, "left behind: %s", line);
	pclose(p);
	/* charon finds its config through its environment */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "grep -l '%s' /proc/[0-9]*/environ 2>/dev/null | wc -l", dir);
	p = popen(cmd, "r");
	ck_assert(p && fgets(line, sizeof(line), p));
	pclose(p);
	ck_assert_msg(atoi(line) == 0, "%s processes still refer to %s", line, dir);
	ti_rmdir(dir);
	ck_assert_msg(access(dir, F_OK) != 0, "%s is still there", dir);
}
END_TEST

Suite *suite_interop(void)
{
	Suite *s = suite_create("interop");
	TCase *tc = tcase_create("config");
	tcase_add_loop_test(tc, test_interop_self_config, 0,
			    sizeof(self_cfg_cases) / sizeof(self_cfg_cases[0]));
	tcase_add_test(tc, test_interop_self_config_refused);
	tcase_add_loop_test(tc, test_interop_cross_check, 0,
			    sizeof(xcheck_cases) / sizeof(xcheck_cases[0]));
	suite_add_tcase(s, tc);
	TCase *live = tcase_create("live");
	tcase_set_timeout(live, 300);
	tcase_add_test(live, test_interop_strongswan);
	tcase_add_test(live, test_interop_self);
	tcase_add_test(live, test_interop_killed_case);
	suite_add_tcase(s, live);
	return s;
}
