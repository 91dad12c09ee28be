/* Interop: the self driver's generated config, the cross-check, and real
 * cases in namespaces against strongSwan and against ourselves. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sched.h>

#include "core/chunk.h"
#include "core/clock.h"
#include "ike/config.h"
#include "netns/netns.h"
#include "case/case.h"
#include "case/internal.h"
#include "case/smoke.h"
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
	uint32_t rekey_margin_ms;
} self_cfg_cases[] = {
	{ "aes128-sha256-modp2048", "aes128-sha256", false, false, false, false, 0, 0, NULL, NULL,
	  0 },
	{ "3des-md5-modp1024", "3des-md5", true, true, false, true, 3600, 1200,
	  "fqdn:sun.example.org", "ufqdn:moon@example.org", 300000 },
	{ "aes256-sha512-ecp256", "aes256gcm16-modp2048", false, false, true, false, 28800, 0,
	  "192.0.2.2", "dn:C=CH, O=ike-conform, CN=moon.example.org", 0 },
	{ "des-sha1-modp768", "null-sha1", true, false, false, false, 0, 60, NULL, NULL, 3334 },
};

START_TEST(test_case_self_config)
{
	const __typeof__(self_cfg_cases[0]) *t = &self_cfg_cases[_i];
	struct peer_case c = ti_case("cfg", t->initiator, t->aggr ? WIRE_X_AGGR : WIRE_X_MAIN,
				     t->p1, t->p2);
	char err[300], text[8192];
	c.p1[0].life_sec = t->ike_life;
	c.p2[0].life_sec = t->child_life;
	c.transport_mode = t->transport;
	c.force_encap = t->force;
	c.rekey_margin_ms = t->rekey_margin_ms;
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
	ck_assert_uint_eq(k->rekey_margin_ms, t->rekey_margin_ms);
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

START_TEST(test_case_self_config_refused)
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

START_TEST(test_case_cross_check)
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
	bool ok = case_cross_check(&p1, &ch, &v, why, sizeof(why));
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

static void ti_rmdir(const char *dir)
{
	if (dir && *dir && !getenv("IKEC_INTEROP_KEEP"))
		test_rm_tree(dir);
}

static void ti_env_up(struct case_env *v)
{
	char dir[64] = "/tmp/ikec-interop-XXXXXX", err[600];
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	/* of this process: a sanitizer run of the tests may run beside */
	char prefix[24];
	snprintf(prefix, sizeof(prefix), "ikecti%05d", (int)(getpid() % 100000));
	ck_assert_msg(case_env_up(v, dir, prefix, err, sizeof(err)), "%s", err);
}

static void ti_env_down(struct case_env *v)
{
	char err[600];
	ck_assert_msg(case_env_down(v, err, sizeof(err)), "teardown: %s", err);
	ti_rmdir(v->dir);
}

/* Every smoke case against one peer (one process kept across cases, the
 * drivers' fast path); each failure goes into fails. */
static void ti_run_all(struct case_env *v, struct peer *peer, bool force_encap, char *fails,
		       size_t flen)
{
	for (size_t i = 0; i < case_nsmoke; i++) {
		const struct case_smoke *c = &case_smokes[i];
		struct case_spec sp = case_smoke_spec(c, v, force_encap);
		sp.traffic = true;
		struct case_result *r = xcalloc(1, sizeof(*r));
		char err[600], why[2100], line[2800];
		bool ok = case_run(peer, &v->net, &sp, r, err, sizeof(err));
		if (!ok)
			snprintf(why, sizeof(why), "could not run: %s", err);
		else
			ok = case_smoke_judge(c, r, why, sizeof(why));
		test_report("interop: %s %s: %s %" PRIu64 " ms%s", peer->ops->name, c->name,
			    ok ? why : "FAILED", r->ms,
			    peer->ops->calm ? (r->loops ? ", peer loops" : ", peer calm") : "");
		snprintf(line, sizeof(line), "%s: %s\n", c->name, why);
		if (!ok && strlen(fails) + strlen(line) + 1 < flen)
			strcat(fails, line);
		/* the loop watch sees this case's own attempts */
		if (peer->ops->calm && !r->attempts && strlen(fails) + 80 < flen)
			snprintf(fails + strlen(fails), flen - strlen(fails),
				 "%s: the loop watch counted no attempt at all\n", c->name);
		/* the first traffic case once more, through tshark with the key
		   tables the run wrote: every echo and reply reads in clear */
		if (ok && r->traffic.ok && i == 0 &&
		    system("tshark --version >/dev/null 2>&1") == 0) {
			char cmd[2400], out[4096] = "";
			snprintf(cmd, sizeof(cmd), "HOME='%s/%s' XDG_CONFIG_HOME='%s/%s' tshark -n -r "
				 "'%s/%s/traffic.pcap' -o esp.enable_encryption_decode:TRUE -o "
				 "esp.enable_authentication_check:TRUE -Y icmp -T fields -e icmp.type "
				 "-e esp.icv_good 2>/dev/null", peer->dir, c->name, peer->dir, c->name,
				 peer->dir, c->name);
			FILE *ts = popen(cmd, "r");
			size_t n = ts ? fread(out, 1, sizeof(out) - 1, ts) : 0;
			out[n] = '\0';
			if (ts)
				pclose(ts);
			unsigned req = 0, rep = 0;
			for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
				/* only with a good ICV: tshark checked our keys */
				req += !strcmp(l, "8\t1");
				rep += !strcmp(l, "0\t1");
			}
			test_report("interop: %s %s: tshark decrypts %u echo requests and %u replies "
				    "with a good ICV from traffic.pcap with the esp_sa table", peer->ops->name, c->name,
				    req, rep);
			if ((req != 2 * CASE_PINGS || rep != 2 * CASE_PINGS) &&
			    strlen(fails) + 120 < flen)
				snprintf(fails + strlen(fails), flen - strlen(fails),
					 "%s: tshark read %u echo requests and %u replies in the "
					 "capture, want %d each\n", c->name, req, rep, 2 * CASE_PINGS);
		}
		free(r);
		bool restarted = false;
		ck_assert_msg(peer->ops->alive(peer, &restarted, err, sizeof(err)), "%s", err);
		if (restarted && strlen(fails) + 80 < flen)
			snprintf(fails + strlen(fails), flen - strlen(fails),
				 "%s: the peer had died and was restarted\n", c->name);
	}
}

START_TEST(test_case_strongswan)
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
	struct case_env v;
	ti_env_up(&v);
	char err[600], dir[700], fails[16384] = "";
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

START_TEST(test_case_self)
{
	const char *why = ti_live_why();
	const char *bin = getenv("IKEC_BIN");
	if (why || !bin || access(bin, X_OK) != 0) {
		test_skip("interop self", why ? why : "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	struct case_env v;
	ti_env_up(&v);
	char err[600], dir[700], fails[16384] = "";
	snprintf(dir, sizeof(dir), "%s/self", v.dir);
	struct peer *self = self_peer_new(bin, netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err,
					  sizeof(err));
	ck_assert_msg(self, "self: %s", err);
	/* raw ESP (no NAT, nothing forced), then ESP in UDP (NAT claimed) */
	ti_run_all(&v, self, false, fails, sizeof(fails));
	ti_run_all(&v, self, true, fails, sizeof(fails));
	self->ops->stop(self);
	ti_env_down(&v);
	ck_assert_msg(!fails[0], "%s", fails);
}
END_TEST

/* A case killed on purpose (SIGKILL, mid-exchange, charon running): the
 * namespaces and their processes are removed by prefix afterwards, and
 * nothing is left. */
START_TEST(test_case_killed_case)
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

/* `ike-conform smoke`: usage errors, and a run against self that passes,
 * keeps its artifacts under --out and leaves no namespace behind. */
START_TEST(test_case_smoke_command)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		test_skip("smoke command", "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	char cmd[1200], line[512], out[64] = "/tmp/ikec-interop-XXXXXX";
	snprintf(cmd, sizeof(cmd), "'%s' smoke --peer nobody 2>&1", bin);
	FILE *p = popen(cmd, "r");
	ck_assert(p && fgets(line, sizeof(line), p));
	ck_assert_msg(strstr(line, "--peer must be strongswan, self or both, not 'nobody'"), "%s", line);
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 2);
	const char *why = ti_live_why();
	if (why) {
		test_skip("smoke command run", why);
		return;
	}
	ck_assert(mkdtemp(out));
	char prefix[24];
	snprintf(prefix, sizeof(prefix), "ikecsm%05d", (int)(getpid() % 100000));
	snprintf(cmd, sizeof(cmd), "'%s' smoke --peer self --out '%s/run' --prefix %s 2>&1", bin, out,
		 prefix);
	p = popen(cmd, "r");
	ck_assert(p);
	unsigned pass = 0, fail = 0;
	char last[512] = "";
	while (fgets(line, sizeof(line), p)) {
		pass += strstr(line, "] PASS self/") != NULL;
		fail += strstr(line, "] FAIL") != NULL;
		snprintf(last, sizeof(last), "%s", line);
	}
	int st = pclose(p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d, last line %s", st, last);
	ck_assert_uint_eq(pass, case_nsmoke);
	ck_assert_uint_eq(fail, 0);
	ck_assert_msg(strstr(last, "smoke: 8 cases, 8 passed, 0 failed; artifacts in "), "%s", last);
	char path[200];
	snprintf(path, sizeof(path), "%s/run/self/peer.log", out);
	ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
	p = popen("ip netns list", "r");
	ck_assert(p);
	while (fgets(line, sizeof(line), p))
		ck_assert_msg(strncmp(line, prefix, strlen(prefix)) != 0, "left behind: %s", line);
	pclose(p);
	ti_rmdir(out);
}
END_TEST

/* `ike-conform probe`: an echo and a sender on loopback, and refusals. */
START_TEST(test_case_probe_command)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		test_skip("probe command", "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	char cmd[1200], line[256];
	unsigned port = 40000 + (unsigned)getpid() % 20000;
	snprintf(cmd, sizeof(cmd), "'%s' probe udp-echo --listen 127.0.0.1:%u --count 2 --timeout 3000 "
		 "> /dev/null & sleep 0.2; '%s' probe udp-send --from 127.0.0.1 --to 127.0.0.1:%u "
		 "--token 00112233445566778899 --timeout 2000 && '%s' probe udp-send --from 127.0.0.1 "
		 "--to 127.0.0.1:%u --token ff --timeout 2000; wait", bin, port, bin, port, bin, port);
	FILE *p = popen(cmd, "r");
	ck_assert(p);
	unsigned ok = 0;
	while (fgets(line, sizeof(line), p))
		ok += !strcmp(line, "reply ok\n");
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 0);
	ck_assert_uint_eq(ok, 2);
	/* nobody answers: exit 1, saying so */
	snprintf(cmd, sizeof(cmd), "'%s' probe udp-send --from 127.0.0.1 --to 127.0.0.1:%u --token ab "
		 "--timeout 300", bin, port);
	p = popen(cmd, "r");
	ck_assert(p && fgets(line, sizeof(line), p));
	ck_assert_str_eq(line, "no reply in 300 ms\n");
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 1);
	static const char *const bad[] = { "udp-send --token zz --from 127.0.0.1 --to 127.0.0.1:9",
					   "udp-echo --listen 127.0.0.1", "udp-flood", "udp-echo --count" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "'%s' probe %s 2>/dev/null", bin, bad[i]);
		ck_assert_msg(WEXITSTATUS(system(cmd)) == 2, "probe %s", bad[i]);
	}
}
END_TEST

/* ---- the in-process probes (case/echo.c) on loopback, our namespace ---- */

/* Wait on fd up to ms, then run what reads it. */
static void ti_echo_wait(int fd, int ms)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	poll(&pf, 1, ms);
}

/* The last line of a file into line ("" when none). */
static void ti_last_line(const char *path, char *line, size_t len)
{
	line[0] = '\0';
	FILE *f = fopen(path, "r");
	while (f && fgets(line, (int)len, f))
		;
	if (f)
		fclose(f);
}

/* Three echo requests back to back, each answered once with its data;
 * a fourth not sent is not answered; the log's summary line as ping's. */
START_TEST(test_case_echo_ping)
{
	if (geteuid() != 0) {
		test_skip("echo probes", "needs root (raw ICMP sockets)");
		return;
	}
	static const uint8_t tok[16] = { 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct case_ping g;
	char err[300], dir[] = "/tmp/ikec-echo-XXXXXX", path[64], line[256];
	ck_assert_msg(case_ping_open(&g, NULL, "127.0.0.1", "127.0.0.1", 0x4b1d, tok, sizeof(tok),
				     err, sizeof(err)), "%s", err);
	for (int i = 0; i < 3; i++)
		ck_assert(case_ping_send(&g));
	uint64_t end = clock_ms() + 2000;
	while (g.replies < 3 && clock_ms() < end) {
		ti_echo_wait(g.fd, 10);
		case_ping_read(&g);
	}
	ck_assert_uint_eq(g.sent, 3);
	ck_assert_uint_eq(g.replies, 3);
	ck_assert_uint_eq(g.dups + g.wrong, 0);
	for (unsigned seq = 1; seq <= 3; seq++)
		ck_assert_msg(case_ping_answered(&g, seq), "seq %u", seq);
	ck_assert(!case_ping_answered(&g, 0) && !case_ping_answered(&g, 4));
	ck_assert(case_ping_rtt_ms(&g) > 0);
	/* the token fills the data, as ping -p does */
	ck_assert(!memcmp(g.data, tok, sizeof(tok)) && !memcmp(g.data + 32, tok, sizeof(tok)));
	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ping.log", dir);
	case_ping_log(&g, path, "loopback");
	ti_last_line(path, line, sizeof(line));
	ck_assert_str_eq(line, "3 packets transmitted, 3 received, 0% packet loss\n");
	case_ping_close(&g);
	ck_assert_int_eq(g.fd, -1);
	/* a bad address is refused by name */
	ck_assert(!case_ping_open(&g, NULL, "127.0.0.1", "no-such-host", 1, tok, 16, err, sizeof(err)));
	test_rm_tree(dir);
}
END_TEST

/* The UDP token to an echo of ours and back; then with the echo gone it
 * never comes back, is sent again every CASE_TOKEN_RESEND_MS, and says so. */
START_TEST(test_case_echo_token)
{
	static const uint8_t tok[16] = { 0x5a, 0xa5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	unsigned port = 40000 + (unsigned)getpid() % 20000;
	struct case_token k;
	char err[300], why[120], dir[] = "/tmp/ikec-token-XXXXXX", path[64], line[256];
	ck_assert_msg(case_token_open(&k, NULL, "127.0.0.1", NULL, "127.0.0.1", (uint16_t)port, tok,
				      sizeof(tok), err, sizeof(err)), "%s", err);
	uint64_t end = clock_ms() + 2000;
	for (case_token_run(&k); !case_token_done(&k) && clock_ms() < end; case_token_run(&k))
		ti_echo_wait(k.echo, 5);
	ck_assert(k.back && !k.wrong_len);
	ck_assert_uint_eq(k.sends, 1);
	ck_assert_uint_eq(k.arrived, 1);
	ck_assert_uint_eq(k.echoed, 1);
	case_token_why(&k, why, sizeof(why));
	ck_assert_str_eq(why, "echoed");
	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/udp.log", dir);
	case_token_log(&k, path);
	ti_last_line(path, line, sizeof(line));
	ck_assert_str_eq(line, "1 sent, 1 echoed: reply ok\n");
	case_token_close(&k);
	/* the same port taken: the echo cannot bind, said with the address */
	int busy = case_udp_socket(NULL, "127.0.0.1", (uint16_t)port, err, sizeof(err));
	ck_assert_msg(busy >= 0, "%s", err);
	ck_assert(!case_token_open(&k, NULL, "127.0.0.1", NULL, "127.0.0.1", (uint16_t)port, tok,
				   sizeof(tok), err, sizeof(err)));
	ck_assert_msg(strstr(err, "127.0.0.1:") != NULL, "%s", err);
	/* the echo closed after opening: nothing comes back */
	close(busy);
	ck_assert_msg(case_token_open(&k, NULL, "127.0.0.1", NULL, "127.0.0.1", (uint16_t)port, tok,
				      sizeof(tok), err, sizeof(err)), "%s", err);
	close(k.echo);
	k.echo = -1;
	end = clock_ms() + CASE_TOKEN_RESEND_MS + 200;
	for (case_token_run(&k); clock_ms() < end; case_token_run(&k))
		ti_echo_wait(k.tx, 5);
	ck_assert(!case_token_done(&k));
	ck_assert_uint_eq(k.sends, 2);
	case_token_why(&k, why, sizeof(why));
	ck_assert_str_eq(why, "it never arrived (2 sent)");
	case_token_close(&k);
	test_rm_tree(dir);
}
END_TEST

/* A child with a hard lifetime of 1 kB: the data plane stops using it
 * once that much went through, and says so in its count. */
START_TEST(test_case_expiry)
{
	const char *why = ti_live_why();
	const char *bin = getenv("IKEC_BIN");
	if (why || !bin || access(bin, X_OK) != 0) {
		test_skip("interop expiry", why ? why : "no ike-conform binary (IKEC_BIN)");
		return;
	}
	struct case_env v;
	ti_env_up(&v);
	char err[600], dir[700];
	snprintf(dir, sizeof(dir), "%s/self", v.dir);
	struct peer *self = self_peer_new(bin, netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err,
					  sizeof(err));
	ck_assert_msg(self, "self: %s", err);
	struct case_spec sp = case_smoke_spec(&case_smokes[0], &v, false);
	sp.traffic = true;
	sp.child_life_kb = 1;
	struct case_result *r = xcalloc(1, sizeof(*r));
	ck_assert_msg(case_run(self, &v.net, &sp, r, err, sizeof(err)), "%s", err);
	ck_assert_msg(r->established && r->agree, "%s", r->why);
	ck_assert_uint_eq(r->child.xf.life_kb, 1);
	/* 12 echoes of 84 bytes fit in 1024; the UDP tokens do not */
	ck_assert_msg(!r->traffic.ok, "traffic passed through an expired SA: %s", r->traffic.why);
	ck_assert_msg(r->traffic.expired > 0, "no packet refused as expired: %s", r->traffic.why);
	uint64_t bytes = r->traffic.in.bytes + r->traffic.out.bytes;
	ck_assert_msg(bytes <= 1024 + 1500, "%" PRIu64 " bytes went through a 1 kB SA", bytes);
	test_report("interop: self, child of 1 kB: %" PRIu64 " bytes through it, then %" PRIu64
		    " packets refused as expired", bytes, r->traffic.expired);
	free(r);
	self->ops->stop(self);
	ti_env_down(&v);
}
END_TEST

/* Issue 7: child lifetime 10 s, the SA held for 13 s with a ping every
 * 150 ms, both directions (whoever initiates the Quick Mode rekeys):
 * the successor is up before the old child expires, no echo is lost, the
 * old child is Deleted on the wire and nothing is sealed on it after. */
START_TEST(test_case_rekey)
{
	const char *why = ti_live_why();
	const char *bin = getenv("IKEC_BIN");
	bool ss = _i == 0;
	if (why || (ss && !strongswan_available()) || (!ss && (!bin || access(bin, X_OK) != 0))) {
		test_skip(ss ? "interop rekey strongswan" : "interop rekey self",
			  why ? why : ss ? "strongSwan is not installed" : "no ike-conform binary (IKEC_BIN)");
		return;
	}
	struct case_env v;
	ti_env_up(&v);
	char err[600], dir[700], fails[8192] = "";
	snprintf(dir, sizeof(dir), "%s/%s", v.dir, ss ? "strongswan" : "self");
	struct peer *peer;
	if (ss) {
		ck_assert(mkdir(dir, 0700) == 0);
		peer = strongswan_new(netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err, sizeof(err));
	} else {
		peer = self_peer_new(bin, netns_topo_ns(v.topo, NETNS_ROLE_PEER), dir, err, sizeof(err));
	}
	ck_assert_msg(peer, "%s: %s", ss ? "strongSwan" : "self", err);
	for (int dirn = 0; dirn < 2; dirn++) {
		bool hi = dirn == 0;
		struct case_spec sp = case_smoke_spec(&case_smokes[0], &v,
							    ss && !strongswan_kernel_esp());
		sp.name = hi ? "rekey-harness" : "rekey-peer";
		sp.harness_initiates = hi;
		sp.traffic = true;
		sp.child_life = 10;
		sp.hold_ms = 13000;
		sp.rekey = true;
		struct case_result *r = xcalloc(1, sizeof(*r));
		uint64_t t0 = clock_ms();
		ck_assert_msg(case_run(peer, &v.net, &sp, r, err, sizeof(err)), "%s", err);
		uint64_t ms = clock_ms() - t0;
		const struct case_hold *rk = &r->rekey;
		test_report("interop: %s, %s rekeys: %" PRIu64 " ms in all, hold %" PRIu64 " ms: %s",
			    peer->ops->name, hi ? "the harness" : "the peer", ms, rk->ms, rk->why);
		char line[3400] = "";
		if (!r->established || !r->traffic.ok)
			snprintf(line, sizeof(line), "%s: not established with traffic: %s / %s\n",
				 sp.name, r->why, r->traffic.why);
		else if (!rk->ran || !rk->ok || rk->children < 2 || rk->pings_lost ||
			 rk->pings_sent < 60 || !rk->old_deleted || !rk->new_before_expiry ||
			 rk->old_out_after || rk->rekeyed_by_us != hi ||
			 (hi ? !rk->delete_sent : !rk->delete_rx) || !rk->peer_on_new)
			snprintf(line, sizeof(line), "%s: %s\n", sp.name, rk->why);
		if (strlen(fails) + strlen(line) + 1 < sizeof(fails))
			strcat(fails, line);
		free(r);
	}
	peer->ops->stop(peer);
	ti_env_down(&v);
	ck_assert_msg(!fails[0], "%s", fails);
}
END_TEST

Suite *suite_case(void)
{
	Suite *s = suite_create("case");
	TCase *tc = tcase_create("config");
	tcase_add_loop_test(tc, test_case_self_config, 0,
			    sizeof(self_cfg_cases) / sizeof(self_cfg_cases[0]));
	tcase_add_test(tc, test_case_self_config_refused);
	tcase_add_test(tc, test_case_probe_command);
	tcase_add_loop_test(tc, test_case_cross_check, 0,
			    sizeof(xcheck_cases) / sizeof(xcheck_cases[0]));
	suite_add_tcase(s, tc);
	/* no namespace of its own: CK_RUN_CASE=echo runs it alone */
	TCase *echo = tcase_create("echo");
	tcase_add_test(echo, test_case_echo_ping);
	tcase_add_test(echo, test_case_echo_token);
	suite_add_tcase(s, echo);
	TCase *live = tcase_create("live");
	tcase_set_timeout(live, 300);
	tcase_add_test(live, test_case_strongswan);
	tcase_add_test(live, test_case_self);
	tcase_add_test(live, test_case_killed_case);
	tcase_add_test(live, test_case_smoke_command);
	tcase_add_test(live, test_case_expiry);
	suite_add_tcase(s, live);
	/* a case of its own, so CK_RUN_CASE=rekey runs it alone (~40 s) */
	TCase *rekey = tcase_create("rekey");
	tcase_set_timeout(rekey, 300);
	tcase_add_loop_test(rekey, test_case_rekey, 0, 2);
	suite_add_tcase(s, rekey);
	return s;
}
