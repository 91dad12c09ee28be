/* The libreswan driver: proposals, ipsec.conf and ipsec.secrets, the view
 * of whack's and pluto's text, and live Phase 1 cases against pluto in
 * namespaces (the harness engine the other side), its restart after
 * SIGKILL and that nothing is left after it stops. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sched.h>

#include "case/case.h"
#include "case/env.h"
#include "case/smoke.h"
#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "ike/config.h"
#include "netns/netns.h"
#include "pki/pki.h"
#include "peers/libreswan/libreswan.h"
#include "wire/msg.h"
#include "wire/names.h"
#include "tests.h"

/* ---- proposals ---- */

static const struct {
	const char *p1;
	const char *want;      /* the keyword, or NULL: refused */
	const char *why;       /* a word of the refusal */
} lsw_p1_cases[] = {
	{ "aes128-sha256-modp2048", "aes128-sha2_256-modp2048", NULL },
	{ "aes256-sha512-ecp384", "aes256-sha2_512-dh20", NULL },
	{ "3des-md5-modp1536", "3des-md5-modp1536", NULL },
	{ "camellia192-sha1-modp8192", "camellia192-sha1-modp8192", NULL },
	{ "aes128-sha384-ecp256", "aes128-sha2_384-dh19", NULL },
	{ "aes128-sha1-modp1024", NULL, "DH group 2" },
	{ "aes128-sha1-modp768", NULL, "DH group 1" },
	{ "des-sha1-modp2048", NULL, "encryption 1" },
	{ "blowfish128-sha1-modp2048", NULL, "encryption 3" },
	{ "cast128-sha1-modp2048", NULL, "encryption 6" },
};

START_TEST(test_libreswan_ike_proposal)
{
	const __typeof__(lsw_p1_cases[0]) *t = &lsw_p1_cases[_i];
	struct ike_p1_xform x;
	char err[300], buf[128];
	ck_assert_msg(ike_p1_parse(t->p1, &x, err, sizeof(err)), "%s: %s", t->p1, err);
	bool ok = libreswan_ike_proposal(&x, buf, sizeof(buf), err, sizeof(err));
	if (!t->want) {
		ck_assert_msg(!ok, "%s: accepted as %s", t->p1, buf);
		ck_assert_msg(strstr(err, t->why), "%s: %s", t->p1, err);
		return;
	}
	ck_assert_msg(ok, "%s: %s", t->p1, err);
	ck_assert_str_eq(buf, t->want);
}
END_TEST

static const struct {
	const char *p2;
	const char *want;
	const char *why;
} lsw_p2_cases[] = {
	{ "aes128-sha256", "aes128-sha2_256", NULL },
	{ "aes256gcm16", "aes_gcm_16_256-null", NULL },
	{ "aes128gcm8", "aes_gcm_8_128-null", NULL },
	{ "3des-md5-modp2048", "3des-md5-modp2048", NULL },
	{ "null-sha1", "null-sha1", NULL },
	{ "aes192-sha512-modp3072", "aes192-sha2_512-modp3072", NULL },
	{ "aes128-sha1-ecp256", NULL, "PFS group 19" },
	{ "des-sha1", NULL, "ESP transform 2" },
	{ "aes128-sha1-modp1024", NULL, "PFS group 2" },
};

START_TEST(test_libreswan_esp_proposal)
{
	const __typeof__(lsw_p2_cases[0]) *t = &lsw_p2_cases[_i];
	struct ike_p2_xform x;
	char err[300], buf[128];
	ck_assert_msg(ike_p2_parse(t->p2, &x, err, sizeof(err)), "%s: %s", t->p2, err);
	bool ok = libreswan_esp_proposal(&x, buf, sizeof(buf), err, sizeof(err));
	if (!t->want) {
		ck_assert_msg(!ok, "%s: accepted as %s", t->p2, buf);
		ck_assert_msg(strstr(err, t->why), "%s: %s", t->p2, err);
		return;
	}
	ck_assert_msg(ok, "%s: %s", t->p2, err);
	ck_assert_str_eq(buf, t->want);
}
END_TEST

/* Lists: joined by commas; PFS groups must agree (one pfs= per conn). */
START_TEST(test_libreswan_proposal_lists)
{
	struct ike_p1_xform a[2];
	struct ike_p2_xform b[2];
	char err[300], buf[256];
	ck_assert(ike_p1_parse("aes128-sha256-modp2048", &a[0], err, sizeof(err)));
	ck_assert(ike_p1_parse("3des-sha1-modp1536", &a[1], err, sizeof(err)));
	ck_assert_msg(libreswan_ike_proposals(a, 2, buf, sizeof(buf), err, sizeof(err)), "%s", err);
	ck_assert_str_eq(buf, "aes128-sha2_256-modp2048,3des-sha1-modp1536");
	ck_assert(!libreswan_ike_proposals(a, 0, buf, sizeof(buf), err, sizeof(err)));
	ck_assert(!libreswan_ike_proposals(a, 2, buf, 20, err, sizeof(err)));
	ck_assert_msg(strstr(err, "too small"), "%s", err);
	ck_assert(ike_p2_parse("aes128-sha1-modp2048", &b[0], err, sizeof(err)));
	ck_assert(ike_p2_parse("aes256-sha256-modp2048", &b[1], err, sizeof(err)));
	ck_assert_msg(libreswan_esp_proposals(b, 2, buf, sizeof(buf), err, sizeof(err)), "%s", err);
	ck_assert_str_eq(buf, "aes128-sha1-modp2048,aes256-sha2_256-modp2048");
	b[1].group = 15;
	ck_assert(!libreswan_esp_proposals(b, 2, buf, sizeof(buf), err, sizeof(err)));
	ck_assert_msg(strstr(err, "one PFS group"), "%s", err);
}
END_TEST

/* The names pluto logs back into our numbers. */
START_TEST(test_libreswan_names)
{
	uint16_t k = 1;
	ck_assert_uint_eq(libreswan_ike_encr_id("AES_CBC_256", 11, &k), CIPHER_AES);
	ck_assert_uint_eq(k, 256);
	ck_assert_uint_eq(libreswan_ike_encr_id("3DES_CBC_192", 12, &k), CIPHER_3DES);
	ck_assert_uint_eq(k, 0);
	ck_assert_uint_eq(libreswan_ike_encr_id("CAMELLIA_CBC_128", 16, &k), CIPHER_CAMELLIA);
	ck_assert_uint_eq(k, 128);
	ck_assert_uint_eq(libreswan_ike_encr_id("AES_CTR_128", 11, &k), 0);
	ck_assert_uint_eq(libreswan_hash_id("HMAC_SHA2_256", 13), PRF_SHA2_256);
	ck_assert_uint_eq(libreswan_hash_id("HMAC_SHA1", 9), PRF_SHA1);
	ck_assert_uint_eq(libreswan_hash_id("HMAC_SHA1_96", 12), 0);
	ck_assert_uint_eq(libreswan_group_id("MODP2048", 8), 14);
	ck_assert_uint_eq(libreswan_group_id("DH21", 4), 21);
	ck_assert_uint_eq(libreswan_group_id("MODP1024", 8), 0);
	ck_assert_uint_eq(libreswan_esp_encr_id("AES_GCM_16_256", 14, &k), IKE_ESP_AES_GCM_16);
	ck_assert_uint_eq(k, 256);
	ck_assert_uint_eq(libreswan_esp_encr_id("3DES_CBC_0", 10, &k), IKE_ESP_3DES);
	ck_assert_uint_eq(k, 0);
	ck_assert_uint_eq(libreswan_esp_encr_id("NULL", 4, &k), IKE_ESP_NULL);
	ck_assert_uint_eq(libreswan_esp_encr_id("NULL_AUTH_AES_GMAC_128", 22, &k), 0);
	ck_assert_uint_eq(libreswan_esp_auth_id("HMAC_SHA2_256_128", 17), IKE_EAUTH_SHA256);
	ck_assert_uint_eq(libreswan_esp_auth_id("HMAC_MD5_96", 11), IKE_EAUTH_MD5);
	ck_assert_uint_eq(libreswan_esp_auth_id("NONE", 4), IKE_EAUTH_NONE);
	ck_assert_uint_eq(libreswan_esp_auth_id("HMAC_SHA2_256_TRUNCBUG", 22), 0);
}
END_TEST

/* ---- ipsec.conf and ipsec.secrets ---- */

static struct peer_case lsw_case(const char *name, bool initiator, uint8_t exchange,
				 const char *p1, const char *p2)
{
	struct peer_case c;
	char err[200];
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.initiator = initiator;
	c.exchange = exchange;
	c.auth = IKE_AUTH_PSK;
	c.psk = "a \"secret\"";
	ck_assert_msg(ike_p1_parse(p1, &c.p1[0], err, sizeof(err)), "%s", err);
	c.p1[0].auth = IKE_AUTH_PSK;
	c.np1 = 1;
	if (p2) {
		ck_assert_msg(ike_p2_parse(p2, &c.p2[0], err, sizeof(err)), "%s", err);
		c.np2 = 1;
	}
	ck_assert(netaddr_parse("192.0.2.2", 0, &c.local, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.1", 0, &c.remote, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.2.0.1/32", &c.ts_local, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.1.0.0/16", &c.ts_remote, err, sizeof(err)));
	return c;
}

static void lsw_expect_line(const char *text, const char *line)
{
	char want[300];
	snprintf(want, sizeof(want), "\n\t%s\n", line);
	ck_assert_msg(strstr(text, want), "no '%s' in:\n%s", line, text);
}

START_TEST(test_libreswan_conn)
{
	struct peer_case c = lsw_case("mm-one", true, WIRE_X_MAIN, "aes128-sha256-modp2048",
				      "aes256-sha1-modp2048");
	char err[300], text[8192];
	c.p1[0].life_sec = 3600;
	c.p2[0].life_sec = 1200;
	c.rekey_margin_ms = 30500;
	ck_assert_msg(libreswan_conn_conf(&c, NULL, text, sizeof(text), err, sizeof(err)), "%s", err);
	ck_assert_msg(!strncmp(text, "conn mm-one\n", 12), "%s", text);
	static const char *const want[] = {
		"ikev2=no", "authby=secret", "left=192.0.2.2", "leftid=192.0.2.2",
		"right=192.0.2.1", "rightid=192.0.2.1", "leftsubnet=10.2.0.1/32",
		"rightsubnet=10.1.0.0/16", "ike=aes128-sha2_256-modp2048", "phase2=esp",
		"phase2alg=aes256-sha1-modp2048", "pfs=yes", "ikelifetime=3600s",
		"salifetime=1200s", "rekeymargin=31s", "rekeyfuzz=0%", "aggressive=no",
		"type=tunnel", "encapsulation=auto", "nat-ikev1-method=both", "keyingtries=1",
		/* updown routes 10.1.0.0/16 from our host subnet (kernel lane) */
		"leftsourceip=10.2.0.1", "leftupdown=/usr/libexec/ipsec/_updown",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		lsw_expect_line(text, want[i]);
	ck_assert_ptr_null(strstr(text, "leftcert"));
	/* any remote ID, transport, forced encapsulation, RFC NAT-T alone,
	   RSA with a certificate sent always, Phase 1 only; then aggressive */
	c = lsw_case("mm-two", false, WIRE_X_MAIN, "3des-sha1-modp1536", NULL);
	c.auth = c.p1[0].auth = IKE_AUTH_RSA;
	ck_assert(ike_id_parse("fqdn:sun.example.org", &c.local_id, err, sizeof(err)));
	c.remote_id_any = true;
	c.transport_mode = c.force_encap = true;
	c.natt = IKE_NATT_BIT(IKE_NATT_RFC3947);
	c.send_cert = PEER_SEND_ALWAYS;
	ck_assert_msg(libreswan_conn_conf(&c, "ikec-mm-two", text, sizeof(text), err, sizeof(err)),
		      "%s", err);
	static const char *const want2[] = {
		"authby=rsasig", "leftid=@sun.example.org", "right=%any", "rightid=%any",
		"type=transport", "encapsulation=yes", "nat-ikev1-method=rfc", "pfs=no",
		"leftcert=ikec-mm-two", "leftsendcert=always",
	};
	for (size_t i = 0; i < sizeof(want2) / sizeof(want2[0]); i++)
		lsw_expect_line(text, want2[i]);
	ck_assert_ptr_null(strstr(text, "phase2alg"));
	c.no_natt = true;
	ck_assert(libreswan_conn_conf(&c, "ikec-mm-two", text, sizeof(text), err, sizeof(err)));
	lsw_expect_line(text, "nat-ikev1-method=none");
	c.remote_id_any = false;
	c.exchange = WIRE_X_AGGR;
	ck_assert(libreswan_conn_conf(&c, "ikec-mm-two", text, sizeof(text), err, sizeof(err)));
	lsw_expect_line(text, "aggressive=yes");
	lsw_expect_line(text, "right=192.0.2.1");
	c.remote_id_any = true;
	ck_assert(!libreswan_conn_conf(&c, "ikec-mm-two", text, sizeof(text), err, sizeof(err)));
	ck_assert_msg(strstr(err, "in Aggressive Mode"), "%s", err);
	c.remote_id_any = false;
	ck_assert(!libreswan_conn_conf(&c, "ikec-mm-two", text, 100, err, sizeof(err)));
	ck_assert_msg(strstr(err, "too small"), "%s", err);
}
END_TEST

/* What pluto cannot be told: refused with the reason. */
static const struct {
	int what;
	const char *why;
} lsw_refusals[] = {
	{ 1, "ECDSA" }, { 2, "kilobytes" }, { 3, "lifetime_policy" }, { 4, "id_checks" },
	{ 5, "send_cr" }, { 6, "keep-alive" }, { 7, "NAT-T draft" }, { 8, "address range" },
	{ 9, "user FQDN" }, { 10, "over a day" }, { 11, "DSS" }, { 12, "local port" },
	{ 13, "one PFS group" }, { 14, "without a PSK" }, { 15, "rightid=%any" },
	{ 16, "wildcards only" },
};

START_TEST(test_libreswan_conn_refused)
{
	struct peer_case c = lsw_case("bad", false, WIRE_X_MAIN, "aes128-sha256-modp2048",
				      "aes128-sha1");
	char err[300] = "", text[8192];
	switch (lsw_refusals[_i].what) {
	case 1: c.auth = IKE_AUTH_ECDSA_256; break;
	case 2: c.p1[0].life_kb = 1000; break;
	case 3: c.life_policy_set = true; break;
	case 4: c.id_checks_set = true; break;
	case 5: c.send_cr = PEER_SEND_IFASKED; break;
	case 6: c.keepalive_ms = 5000; break;
	case 7: c.natt = IKE_NATT_BIT(IKE_NATT_DRAFT_02) | IKE_NATT_BIT(IKE_NATT_RFC3947); break;
	case 8: ck_assert(ike_ts_parse("10.1.0.1-10.1.0.9", &c.ts_remote, err, sizeof(err))); break;
	case 9: ck_assert(ike_id_parse("ufqdn:nobody", &c.remote_id, err, sizeof(err))); break;
	case 10: c.p1[0].life_sec = 86401; break;
	case 11: c.auth = IKE_AUTH_DSS; break;
	case 12: c.local.port = 4501; break;
	case 13:
		ck_assert(ike_p2_parse("aes128-sha1-modp2048", &c.p2[1], err, sizeof(err)));
		c.np2 = 2;
		break;
	case 14: c.psk = NULL; break;
	case 15: c.remote_id_any = c.initiator = true; break;
	case 16: ck_assert(ike_id_parse("fqdn:*.example.org", &c.remote_id, err, sizeof(err))); break;
	}
	ck_assert_msg(!libreswan_conn_conf(&c, "n", text, sizeof(text), err, sizeof(err)),
		      "%d accepted:\n%s", lsw_refusals[_i].what, text);
	ck_assert_msg(strstr(err, lsw_refusals[_i].why), "%d: %s", lsw_refusals[_i].what, err);
}
END_TEST

START_TEST(test_libreswan_ids)
{
	static const struct {
		const char *id, *want;
	} t[] = {
		{ "192.0.2.9", "192.0.2.9" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "fqdn:moon.example.org", "@moon.example.org" },
		{ "ufqdn:carol@example.org", "carol@example.org" },
		{ "keyid:#00ff10", "@#00ff10" },
		{ "dn:C=CH, O=ike-conform, CN=a", "\"C=CH, O=ike-conform, CN=a\"" },
	};
	char err[300], buf[600];
	struct netaddr a;
	ck_assert(netaddr_parse("192.0.2.7", 0, &a, err, sizeof(err)));
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ike_id id;
		ck_assert_msg(ike_id_parse(t[i].id, &id, err, sizeof(err)), "%s: %s", t[i].id, err);
		ck_assert_msg(libreswan_id_str(&id, &a, buf, sizeof(buf), err, sizeof(err)), "%s: %s",
			      t[i].id, err);
		ck_assert_msg(!strcmp(buf, t[i].want), "%s: %s, want %s", t[i].id, buf, t[i].want);
	}
	struct ike_id none = { 0 };
	ck_assert(libreswan_id_str(&none, &a, buf, sizeof(buf), err, sizeof(err)));
	ck_assert_str_eq(buf, "192.0.2.7");
	struct ike_id eq;
	ck_assert(ike_id_parse("fqdn:a=b", &eq, err, sizeof(err)));
	ck_assert(!libreswan_id_str(&eq, &a, buf, sizeof(buf), err, sizeof(err)));
	ck_assert_msg(strstr(err, "'='"), "%s", err);
}
END_TEST

START_TEST(test_libreswan_secrets)
{
	struct peer_case c = lsw_case("s", false, WIRE_X_MAIN, "aes128-sha256-modp2048", NULL);
	char err[300], text[4096];
	c.psk = "a\"b";
	ck_assert(ike_id_parse("fqdn:moon.example.org", &c.psks[0].id, err, sizeof(err)));
	c.psks[0].psk = "xy";
	c.npsks = 1;
	ck_assert_msg(libreswan_secrets(&c, text, sizeof(text), err, sizeof(err)), "%s", err);
	ck_assert_msg(strstr(text, "\n%any @moon.example.org : PSK 0x7879\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n%any %any : PSK 0x612262\n"), "%s", text);
	/* the ID's own PSK first: pluto takes the best match, ours is exact */
	ck_assert(strstr(text, "0x7879") < strstr(text, "0x612262"));
	c.psks[0].psk = NULL;
	ck_assert(!libreswan_secrets(&c, text, sizeof(text), err, sizeof(err)));
	c.npsks = 0;
	c.auth = IKE_AUTH_RSA;
	ck_assert(libreswan_secrets(&c, text, sizeof(text), err, sizeof(err)));
	ck_assert_ptr_null(strstr(text, "PSK 0x"));
}
END_TEST

START_TEST(test_libreswan_setup)
{
	char err[300], text[4096];
	ck_assert_msg(libreswan_setup_conf("/tmp/x/w1", text, sizeof(text), err, sizeof(err)), "%s",
		      err);
	static const char *const want[] = {
		"logfile=/tmp/x/w1/pluto.log", "nssdir=/tmp/x/w1/nss",
		"secretsfile=/tmp/x/w1/ipsec.secrets", "ikev1-policy=accept", "uniqueids=no",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		lsw_expect_line(text, want[i]);
	ck_assert(!libreswan_setup_conf("/tmp/a b", text, sizeof(text), err, sizeof(err)));
	ck_assert(!libreswan_setup_conf("rel", text, sizeof(text), err, sizeof(err)));
}
END_TEST

/* ---- the view ---- */

static const char lsw_states[] =
	"000 #3: \"other\":500 STATE_MAIN_I4 (IKE SA established); REPLACE in 100s; newest;\n"
	"000 #4: \"c1\":500 STATE_MAIN_I4 (IKE SA established); REPLACE in 2771s; newest;\n"
	"000 #5: \"c1\":4500 STATE_QUICK_I2 (IPsec SA established); REPLACE in 1000s; newest;\n"
	"000 #6: \"c1\":500 STATE_QUICK_I1 (sent Quick Mode request); RETRANSMIT in 1s;\n";
static const char lsw_traffic[] =
	"006 #5: \"c1\", type=ESP, add_time=1700000000, inBytes=840, outBytes=1260, "
	"maxBytes=2^63B, id='@moon.example.org'\n";
static const char lsw_log[] =
	"Dec  7 20:05:51.116136: \"c1\" #4: initiating IKEv1 Main Mode connection\n"
	"Dec  7 20:05:51.130705: \"c1\" #4: Peer ID is ID_FQDN: '@moon.example.org'\n"
	"Dec  7 20:05:51.131048: \"c1\" #4: IKE SA established {auth=PRESHARED_KEY "
	"cipher=AES_CBC_256 integ=HMAC_SHA2_512 group=DH20}\n"
	"Dec  7 20:05:51.131111: \"c1\" #5: initiating Quick Mode IKEv1+PSK+ENCRYPT+TUNNEL "
	"{using isakmp#4 msgid:8ed688bd proposal=AES_CBC_128-HMAC_SHA1_96 pfsgroup=MODP3072}\n"
	"Dec  7 20:05:51.140000: \"c1\" #5: IPsec SA established tunnel mode {ESP/NAT=>0xc4315d59 "
	"<0xa5f5dc95 xfrm=AES_CBC_128-HMAC_SHA1_96 NATOA=none NATD=192.0.2.1:4500 DPD=passive}\n"
	"Dec  7 20:05:51.150000: \"other\" #3: IKE SA established {auth=PRESHARED_KEY "
	"cipher=3DES_CBC_192 integ=HMAC_MD5 group=MODP1536}\n";

START_TEST(test_libreswan_view)
{
	struct peer_sa_view v;
	char err[300];
	ck_assert_msg(libreswan_parse_view(lsw_states, lsw_traffic, lsw_log, strlen(lsw_log), "c1",
					   0, &v, err, sizeof(err)), "%s", err);
	ck_assert(v.present);
	ck_assert_uint_eq(v.encr, CIPHER_AES);
	ck_assert_uint_eq(v.keylen, 256);
	ck_assert_uint_eq(v.hash, PRF_SHA2_512);
	ck_assert_uint_eq(v.group, 20);
	ck_assert_uint_eq(v.life_sec, 0);
	ck_assert(v.ids_known);
	ck_assert_uint_eq(v.remote_id.type, 2);
	ck_assert_uint_eq(v.remote_id.len, 16);
	ck_assert(!memcmp(v.remote_id.data, "moon.example.org", 16));
	ck_assert(v.child.present);
	ck_assert_uint_eq(v.child.transform, IKE_ESP_AES);
	ck_assert_uint_eq(v.child.keylen, 128);
	ck_assert_uint_eq(v.child.auth, IKE_EAUTH_SHA1);
	ck_assert_uint_eq(v.child.group, 15);
	ck_assert(v.child.encap);
	static const uint8_t out[4] = { 0xc4, 0x31, 0x5d, 0x59 }, in[4] = { 0xa5, 0xf5, 0xdc, 0x95 };
	ck_assert(!memcmp(v.child.spi_out, out, 4));
	ck_assert(!memcmp(v.child.spi_in, in, 4));
	ck_assert_uint_eq(v.child.bytes_in, 840);
	ck_assert_uint_eq(v.child.bytes_out, 1260);
	ck_assert(v.child.counters_unknown);
	ck_assert(strstr(v.raw, "STATE_QUICK_I2"));
	/* the other conn: its own algorithms, no child */
	ck_assert(libreswan_parse_view(lsw_states, NULL, lsw_log, strlen(lsw_log), "other", 0, &v,
				       err, sizeof(err)));
	ck_assert(v.present && !v.child.present);
	ck_assert_uint_eq(v.encr, CIPHER_3DES);
	ck_assert_uint_eq(v.group, 5);
	ck_assert(!v.ids_known);
	/* a conn without states, and states not yet established */
	ck_assert(libreswan_parse_view(lsw_states, NULL, lsw_log, strlen(lsw_log), "c2", 0, &v, err,
				       sizeof(err)));
	ck_assert(!v.present && !v.child.present);
	const char *half = "000 #9: \"c1\":500 STATE_MAIN_I2 (sent Main Mode I2); RETRANSMIT;\n";
	ck_assert(libreswan_parse_view(half, NULL, "", 0, "c1", 0, &v, err, sizeof(err)));
	ck_assert(!v.present);
	ck_assert(!libreswan_parse_view("hello\n", NULL, "", 0, "c1", 0, &v, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not whack"), "%s", err);
}
END_TEST

/* A responder's child: no pfsgroup= in its log, the configured group. */
START_TEST(test_libreswan_view_responder)
{
	const char *states = "#2: \"r\"[1] 192.0.2.1:500 STATE_QUICK_R2 (IPsec SA established);\n"
			     "#1: \"r\"[1] 192.0.2.1:500 STATE_AGGR_R2 (IKE SA established);\n";
	const char *log = "\"r\"[1] 192.0.2.1 #1: Peer ID is ID_IPV4_ADDR: '192.0.2.1'\n"
			  "\"r\"[1] 192.0.2.1 #1: IKE SA established {auth=PRESHARED_KEY "
			  "cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048}\n"
			  "\"r\"[1] 192.0.2.1 #2: IPsec SA established transport mode {ESP=>0x00000001 "
			  "<0x00000002 xfrm=AES_GCM_16_256-NONE NATOA=none NATD=none DPD=passive}\n";
	struct peer_sa_view v;
	char err[300];
	ck_assert_msg(libreswan_parse_view(states, NULL, log, strlen(log), "r", 14, &v, err,
					   sizeof(err)), "%s", err);
	ck_assert(v.present && v.ids_known);
	ck_assert_uint_eq(v.remote_id.type, 1);
	ck_assert_uint_eq(v.hash, PRF_SHA1);
	ck_assert(v.child.present && !v.child.encap);
	ck_assert_uint_eq(v.child.transform, IKE_ESP_AES_GCM_16);
	ck_assert_uint_eq(v.child.keylen, 256);
	ck_assert_uint_eq(v.child.auth, IKE_EAUTH_NONE);
	ck_assert_uint_eq(v.child.group, 14);
	ck_assert_uint_eq(v.child.spi_in[3], 2);

	/* read while its outbound SA is still going in: the reply's line */
	const char *early = "\"r\"[1] 192.0.2.1 #2: sent Quick Mode reply, inbound IPsec SA "
			    "installed, expecting confirmation tunnel mode {ESP=>0x00000003 "
			    "<0x00000004 xfrm=AES_CBC_128-HMAC_SHA2_256_128 DPD=unsupported}\n";
	ck_assert_msg(libreswan_parse_view(states, NULL, early, strlen(early), "r", 14, &v, err,
					   sizeof(err)), "%s", err);
	ck_assert(v.child.present);
	ck_assert_uint_eq(v.child.transform, IKE_ESP_AES);
	ck_assert_uint_eq(v.child.keylen, 128);
	ck_assert_uint_eq(v.child.spi_out[3], 3);
	ck_assert_uint_eq(v.child.spi_in[3], 4);
}
END_TEST

START_TEST(test_libreswan_attempts)
{
	ck_assert_uint_eq(libreswan_count_attempts(lsw_log, strlen(lsw_log), "c1"), 2);
	ck_assert_uint_eq(libreswan_count_attempts(lsw_log, strlen(lsw_log), "other"), 0);
	ck_assert_uint_eq(libreswan_count_attempts(lsw_log, strlen(lsw_log), NULL), 2);
	const char *r = "\"x\" #1: responding to Main Mode\n\"x\" #2: responding to Quick Mode "
			"proposal {msgid:1}\n\"x\" #3: responding to Aggressive Mode\n";
	ck_assert_uint_eq(libreswan_count_attempts(r, strlen(r), "x"), 3);
	ck_assert_uint_eq(libreswan_count_attempts(r, 10, "x"), 0);
}
END_TEST

/* The driver row and where the tree is looked for. */
START_TEST(test_libreswan_driver)
{
	ck_assert(libreswan_driver.kernel_esp);
	ck_assert(!libreswan_driver.device);
	ck_assert_ptr_null(libreswan_driver.udp_only);
	ck_assert_ptr_nonnull(libreswan_driver.available);
	ck_assert_str_eq(libreswan_driver.name, "libreswan");
	char *old = getenv("IKEC_LIBRESWAN") ? strdup(getenv("IKEC_LIBRESWAN")) : NULL;
	char tree[700], why[400];
	setenv("IKEC_LIBRESWAN", "/nonexistent/lsw", 1);
	libreswan_tree(tree, sizeof(tree));
	ck_assert_str_eq(tree, "/nonexistent/lsw");
	ck_assert(!libreswan_available(why, sizeof(why)));
	ck_assert_msg(strstr(why, "ci/libreswan.sh") && strstr(why, "IKEC_LIBRESWAN"), "%s", why);
	ck_assert_ptr_null(libreswan_new("ns", "/tmp", why, sizeof(why)));
	unsetenv("IKEC_LIBRESWAN");
	libreswan_tree(tree, sizeof(tree));
	size_t n = strlen(tree);
	ck_assert_msg(n > 10 && !strcmp(tree + n - 10, "/libreswan"), "%s", tree);
	if (old) {
		setenv("IKEC_LIBRESWAN", old, 1);
		free(old);
	}
}
END_TEST

/* ---- live: pluto in a namespace, the harness engine the other side ---- */

static void lsw_sleep_test(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Why live cases cannot run here, or NULL. */
static const char *lsw_live_why(void)
{
	static char why[400];
	if (geteuid() != 0)
		return "needs root (network namespaces)";
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	int st = 1;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return "unshare(CLONE_NEWNET) is not permitted here";
	return libreswan_available(why, sizeof(why)) ? NULL : why;
}

/* One smoke case, Phase 1 only (this host's kernel has no ESP for pluto
 * to install a child into), into fails. */
static void lsw_run_smoke(struct case_env *v, struct peer *p, const struct case_smoke *c,
			  char *fails, size_t flen)
{
	struct case_spec sp = case_smoke_spec(c, v, false);
	struct ike_p1_xform x1;
	char err[600], why[2100];
	ck_assert(ike_p1_parse(sp.p1, &x1, err, sizeof(err)));
	x1.life_sec = sp.ike_life;
	x1.auth = sp.auth;  /* the text says none: PSK */
	sp.p1x = &x1;  /* and no p2x: Phase 1 only */
	/* Debian's pluto has no MODP1024: the smoke's refusal with a group it has */
	if (c->peer_p1)
		sp.peer_p1 = "3des-sha1-modp2048";
	struct case_result *r = calloc(1, sizeof(*r));
	ck_assert(r);
	bool ok = case_run(p, &v->net, &sp, r, err, sizeof(err));
	if (!ok)
		snprintf(why, sizeof(why), "could not run: %s", err);
	else
		ok = case_smoke_judge(c, r, why, sizeof(why));
	/* the view is pluto's own: the algorithms read from its log */
	if (ok && !c->peer_p1 && (r->view.encr != CIPHER_AES || r->view.keylen != 128 ||
				  r->view.hash != PRF_SHA2_256 || r->view.group != 14 ||
				  !r->view.ids_known || r->p1.auth != c->auth)) {
		ok = false;
		snprintf(why, sizeof(why), "view: encr %u/%u hash %u group %u ids %d; auth %u",
			 r->view.encr, r->view.keylen, r->view.hash, r->view.group, r->view.ids_known,
			 r->p1.auth);
	}
	printf("libreswan: %s: %s\n", c->name, ok ? why : "FAILED");
	if (!ok && strlen(fails) + strlen(why) + 80 < flen)
		snprintf(fails + strlen(fails), flen - strlen(fails), "%s: %s\n", c->name, why);
	free(r);
}

/* Quick Mode as far as this host lets it go: an ESP proposal pluto does
 * not hold is refused with NO-PROPOSAL-CHOSEN before any SA is installed. */
static void lsw_run_qm_mismatch(struct case_env *v, struct peer *p, char *fails, size_t flen)
{
	struct case_spec sp = case_smoke_spec(&case_smokes[0], v, false);
	sp.name = "qm-mismatch-h2p";
	sp.p2 = "aes256-sha256";
	sp.peer_p2 = "aes128-sha1";
	sp.limit_ms = 4000;
	struct case_result *r = calloc(1, sizeof(*r));
	ck_assert(r);
	char err[600];
	bool ok = case_run(p, &v->net, &sp, r, err, sizeof(err));
	bool seen = false;
	for (size_t i = 0; ok && i < r->nnotify_rx; i++)
		seen = seen || r->notify_rx[i] == WIRE_N_NO_PROPOSAL_CHOSEN;
	printf("libreswan: %s: %s\n", sp.name, !ok ? err : seen ? "refused with NO-PROPOSAL-CHOSEN"
							      : r->why);
	if ((!ok || !seen || r->have_child) && strlen(fails) + 200 < flen)
		snprintf(fails + strlen(fails), flen - strlen(fails), "%s: %s; %zu notifies "
			 "received, child %d\n", sp.name, ok ? r->why : err, r->nnotify_rx,
			 r->have_child);
	free(r);
}

/* The intermediate's CRL in pluto's NSS: the harness's revoked
 * certificate is refused, a good one with the same CRL is not. */
static void lsw_run_crl(struct case_env *v, struct peer *p, const char *cred, bool want,
			char *fails, size_t flen)
{
	struct pki_err pe;
	ck_assert_msg(pki_testpki_cred(v->pki, cred, &pe), "%s: %s", cred, pe.msg);
	struct case_spec sp = case_smoke_spec(&case_smokes[4], v, false);  /* mm-rsa-h2p */
	struct ike_p1_xform x1;
	char err[600];
	ck_assert(ike_p1_parse(sp.p1, &x1, err, sizeof(err)));
	x1.life_sec = sp.ike_life;
	x1.auth = sp.auth;  /* the text says none: PSK */
	sp.p1x = &x1;
	sp.name = want ? "crl-good" : "crl-revoked";
	sp.ours.cert = cred;
	sp.theirs.crl = true;
	sp.limit_ms = want ? 10000 : 4000;
	struct case_result *r = calloc(1, sizeof(*r));
	ck_assert(r);
	bool ok = case_run(p, &v->net, &sp, r, err, sizeof(err));
	bool right = ok && r->established == want && (!want || r->agree);
	printf("libreswan: %s (%s): %s\n", sp.name, cred,
	       !ok ? err : r->established ? "established" : "refused");
	if (!right && strlen(fails) + 200 < flen)
		snprintf(fails + strlen(fails), flen - strlen(fails), "%s: %s, want %s: %.150s\n",
			 sp.name, !ok ? "could not run" : r->established ? "established" : "refused",
			 want ? "established" : "refused", ok ? r->why : err);
	free(r);
}

/* The smoke cases in Phase 1 both ways, the previous case's SA gone after
 * the next, a Quick Mode refusal, a revoked certificate refused, pluto killed and restarted, and nothing left after stop. */
START_TEST(test_libreswan_live)
{
	const char *skip = lsw_live_why();
	if (skip) {
		test_skip("libreswan live", skip);
		return;
	}
	struct case_env v;
	char dir[64] = "/tmp/ikec-lsw-XXXXXX", prefix[24], err[600], pdir[700];
	char fails[16384] = "";
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(prefix, sizeof(prefix), "ikeclsw%05d", (int)(getpid() % 100000));
	ck_assert_msg(case_env_up(&v, dir, prefix, err, sizeof(err)), "%s", err);
	snprintf(pdir, sizeof(pdir), "%s/libreswan", dir);
	struct peer *p = libreswan_new(netns_topo_ns(v.topo, NETNS_ROLE_PEER), pdir, err,
				       sizeof(err));
	ck_assert_msg(p, "libreswan: %s", err);
	for (size_t i = 0; i < case_nsmoke; i++)
		lsw_run_smoke(&v, p, &case_smokes[i], fails, sizeof(fails));
	lsw_run_qm_mismatch(&v, p, fails, sizeof(fails));
	lsw_run_crl(&v, p, "moon-revoked", false, fails, sizeof(fails));
	lsw_run_crl(&v, p, "moon", true, fails, sizeof(fails));
	ck_assert_msg(!fails[0], "%s", fails);
	/* an established case, then the next: the first one's SA is gone */
	lsw_run_smoke(&v, p, &case_smokes[0], fails, sizeof(fails));
	lsw_run_smoke(&v, p, &case_smokes[3], fails, sizeof(fails));
	struct peer_case first = { .name = case_smokes[0].name };
	struct peer_sa_view view;
	ck_assert_msg(p->ops->view(p, &first, &view, err, sizeof(err)), "%s", err);
	ck_assert_msg(!view.present, "%s's SA is still there: %s", first.name, view.raw);
	/* killed: seen dead, restarted, the next case runs */
	pid_t old = libreswan_pid(p);
	ck_assert(old > 0);
	ck_assert(kill(old, SIGKILL) == 0);
	lsw_sleep_test(100);
	bool restarted = false;
	ck_assert_msg(p->ops->alive(p, &restarted, err, sizeof(err)), "%s", err);
	ck_assert(restarted);
	ck_assert(libreswan_pid(p) > 0 && libreswan_pid(p) != old);
	lsw_run_smoke(&v, p, &case_smokes[1], fails, sizeof(fails));
	ck_assert_msg(p->ops->alive(p, &restarted, err, sizeof(err)) && !restarted, "%s", err);
	ck_assert_msg(!fails[0], "%s", fails);
	/* stopped: no pluto, no run directory or NSS database, no mount */
	pid_t last = libreswan_pid(p);
	char log[800];
	snprintf(log, sizeof(log), "%s", p->log);
	p->ops->stop(p);
	ck_assert(kill(last, 0) < 0 && errno == ESRCH);
	char path[800];
	snprintf(path, sizeof(path), "%s/run", pdir);
	ck_assert_msg(access(path, F_OK) != 0, "%s is left", path);
	snprintf(path, sizeof(path), "%s/nss", pdir);
	ck_assert_msg(access(path, F_OK) != 0, "%s is left", path);
	ck_assert_msg(access(log, F_OK) == 0, "pluto's log %s is gone", log);
	char *mounts = NULL;
	ck_assert(test_run("cat /proc/self/mountinfo", &mounts) == 0);
	ck_assert_msg(!strstr(mounts, "/usr/libexec /usr/libexec"), "%s", mounts);
	free(mounts);
	ck_assert_msg(case_env_down(&v, err, sizeof(err)), "teardown: %s", err);
	if (!getenv("IKEC_INTEROP_KEEP"))
		test_rm_tree(dir);
}
END_TEST

Suite *suite_libreswan(void)
{
	Suite *s = suite_create("libreswan");
	TCase *t = tcase_create("pure");
	tcase_add_loop_test(t, test_libreswan_ike_proposal, 0,
			    sizeof(lsw_p1_cases) / sizeof(lsw_p1_cases[0]));
	tcase_add_loop_test(t, test_libreswan_esp_proposal, 0,
			    sizeof(lsw_p2_cases) / sizeof(lsw_p2_cases[0]));
	tcase_add_test(t, test_libreswan_proposal_lists);
	tcase_add_test(t, test_libreswan_names);
	tcase_add_test(t, test_libreswan_conn);
	tcase_add_loop_test(t, test_libreswan_conn_refused, 0,
			    sizeof(lsw_refusals) / sizeof(lsw_refusals[0]));
	tcase_add_test(t, test_libreswan_ids);
	tcase_add_test(t, test_libreswan_secrets);
	tcase_add_test(t, test_libreswan_setup);
	tcase_add_test(t, test_libreswan_view);
	tcase_add_test(t, test_libreswan_view_responder);
	tcase_add_test(t, test_libreswan_attempts);
	tcase_add_test(t, test_libreswan_driver);
	suite_add_tcase(s, t);
	TCase *live = tcase_create("live");
	tcase_set_timeout(live, 180);
	tcase_add_test(live, test_libreswan_live);
	suite_add_tcase(s, live);
	return s;
}
