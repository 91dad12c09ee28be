/* Interop: the self driver's generated config, the cross-check, and real
 * cases in namespaces against strongSwan and against ourselves. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ike/config.h"
#include "peers/interop.h"
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
	return s;
}
