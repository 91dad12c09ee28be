/* report/timeline and report/keys: an engine's timeline as a pcap, and the
 * Wireshark key tables, checked by an independent dissector (tshark) and by
 * our own `ike-conform decode --keys`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/addr.h"
#include "core/hex.h"
#include "ike/engine.h"
#include "ike/sa.h"
#include "pki/pki.h"
#include "report/capture.h"
#include "report/keys.h"
#include "report/timeline.h"
#include "pair.h"
#include "tests.h"

/* ---- one Main Mode + Quick Mode exchange over the memory hub ---- */

/* The pair's configs made ready: RSA signatures (moon and sun of pki)
 * instead of the PSK, NAT-T, client IDs. */
static void tl_pair_setup(struct pair *p, const struct pki_testpki *pki, bool natt)
{
	char err[256];
	struct ike_config *cs[2] = { &p->ci, &p->cr };
	for (int i = 0; i < 2; i++) {
		if (pki) {
			/* RSA signatures: moon and sun of the test PKI */
			const struct pki_cred *cr = pki_testpki_host(pki, i ? "sun" : "moon");
			cs[i]->p1[0].auth = IKE_AUTH_RSA;
			cs[i]->psk = CHUNK_EMPTY;
			cs[i]->key = cr->key;
			cs[i]->cert = cr->cert;
			cs[i]->chain = pki->intermediates;
			cs[i]->trusted = pki->trusted;
		}
		/* NAT-T with a claimed NAT: the exchange floats to 4500 at mm5 */
		cs[i]->natt = natt ? IKE_NATT_ALL : 0;
		cs[i]->natt_force = natt && i == 0;
		/* client IDs, so that Quick Mode carries ID payloads too */
		ck_assert(ike_ts_parse(i ? "10.2.0.1" : "10.1.0.1", &cs[i]->ts_local, err, sizeof(err)));
		ck_assert(ike_ts_parse(i ? "10.1.0.1" : "10.2.0.1", &cs[i]->ts_remote, err, sizeof(err)));
	}
}

/* Main Mode then Quick Mode: both established, with one child SA. */
static void tl_pair_run(struct pair *p, const char *p1, const char *p2,
			const struct pki_testpki *pki, bool natt)
{
	pair_init(p, p1, p2);
	tl_pair_setup(p, pki, natt);
	pair_start(p, NULL, 0, NULL, 0);
	pair_run_until(p, 60000);
	const struct ike_result *ri = ike_engine_result(p->ei), *rr = ike_engine_result(p->er);
	ck_assert_msg(ri->finished && !ri->failed && ri->established, "initiator: %s", ri->error);
	ck_assert_msg(rr->finished && !rr->failed && rr->established, "responder: %s", rr->error);
	ck_assert_uint_eq(ri->nchild, 1);
}

/* ---- files and commands ---- */

static char *tl_tmpdir(void)
{
	char *d = xstrdup("/tmp/ikec-timeline-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void tl_rmdir(char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

static void tl_join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);
	ck_assert(n > 0 && (size_t)n < len);
}

static size_t tl_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static bool tl_have_tshark(void)
{
	static int have = -1;
	if (have < 0)
		have = system("tshark --version >/dev/null 2>&1") == 0;
	return have;
}

/* tshark with a private configuration folder (dir/wireshark/ holds the key
 * tables) and no user profile; args after the file name. */
static int tl_tshark(const char *dir, const char *pcap, const char *args, char **out)
{
	char cmd[8192];
	int n = snprintf(cmd, sizeof(cmd),
			 "HOME='%s' XDG_CONFIG_HOME='%s' tshark -n -r '%s' "
			 "-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE %s",
			 dir, dir, pcap, args);
	ck_assert(n > 0 && (size_t)n < sizeof(cmd));
	int st = test_run(cmd, out);
	/* tshark's warning about running as root is not about our data */
	static const char root[] = "Running as user \"root\"";
	char *r = strstr(*out, root);
	if (r) {
		char *eol = strchr(r, '\n');
		memmove(r, eol ? eol + 1 : r + strlen(r), strlen(eol ? eol + 1 : r + strlen(r)) + 1);
	}
	return st;
}

/* tshark lines that are not data: "Running as user root" is harmless; a
 * table that does not load says "Error loading table". */
static void tl_no_tshark_errors(const char *out, const char *what)
{
	ck_assert_msg(!strstr(out, "Error loading table") && !strstr(out, "tshark: "),
		      "%s: tshark complains:\n%s", what, out);
}

/* The key tables of an SA into dir/wireshark/. */
static void tl_write_keys(const char *dir, struct ike_sa *sa)
{
	char ws[4096], err[512];
	snprintf(ws, sizeof(ws), "%s/wireshark", dir);
	ck_assert_int_eq(mkdir(ws, 0700), 0);
	struct ike_sa *sas[1] = { sa };
	ck_assert_msg(keytab_write_dir(ws, sas, 1, err, sizeof(err)), "%s", err);
}

/* ---- ESP: one tunnel-mode packet sealed with a child SA's outbound keys,
 * so that tshark proves the esp_sa line (algorithm names, key order,
 * direction) by decrypting it and checking its ICV. ---- */

static const EVP_MD *tl_esp_md(uint16_t auth, size_t *icv)
{
	switch (auth) {
	case IKE_EAUTH_MD5: *icv = 12; return EVP_md5();
	case IKE_EAUTH_SHA1: *icv = 12; return EVP_sha1();
	case IKE_EAUTH_SHA256: *icv = 16; return EVP_sha256();
	case IKE_EAUTH_SHA384: *icv = 24; return EVP_sha384();
	case IKE_EAUTH_SHA512: *icv = 32; return EVP_sha512();
	default: *icv = 0; return NULL;
	}
}

static const EVP_CIPHER *tl_esp_cipher(const struct ike_child *c)
{
	switch (c->xf.transform) {
	case IKE_ESP_DES: return EVP_des_cbc();
	case IKE_ESP_3DES: return EVP_des_ede3_cbc();
	case IKE_ESP_AES:
		return c->enc_out.len == 16 ? EVP_aes_128_cbc() :
		       c->enc_out.len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	default: return NULL;
	}
}

/* An inner IPv4/UDP packet 10.1.0.1:1234 -> 10.2.0.1:7 with a marker text. */
static size_t tl_inner(uint8_t *p)
{
	static const char text[] = "ike-conform esp probe";
	size_t ulen = 8 + sizeof(text) - 1, tot = 20 + ulen;
	memset(p, 0, tot);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = 17;
	const uint8_t src[4] = { 10, 1, 0, 1 }, dst[4] = { 10, 2, 0, 1 };
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (uint8_t)(~sum >> 8);
	p[11] = (uint8_t)~sum;
	uint8_t *u = p + 20;
	u[0] = 1234 >> 8;
	u[1] = 1234 & 0xff;
	u[3] = 7;
	u[4] = (uint8_t)(ulen >> 8);
	u[5] = (uint8_t)ulen;
	memcpy(u + 8, text, sizeof(text) - 1);
	return tot;
}

/* ESP (RFC 4303) with a CBC cipher and an HMAC; returns its length. */
static size_t tl_esp_seal(const struct ike_child *c, uint8_t *out)
{
	const EVP_CIPHER *ciph = tl_esp_cipher(c);
	size_t icv;
	const EVP_MD *md = tl_esp_md(c->xf.auth, &icv);
	ck_assert(ciph && md);
	size_t bs = (size_t)EVP_CIPHER_get_block_size(ciph), ivl = (size_t)EVP_CIPHER_get_iv_length(ciph);
	uint8_t plain[256];
	size_t n = tl_inner(plain);
	size_t padlen = (bs - (n + 2) % bs) % bs;
	for (size_t i = 0; i < padlen; i++)
		plain[n++] = (uint8_t)(i + 1);
	plain[n++] = (uint8_t)padlen;
	plain[n++] = 4; /* next header: IPv4 (tunnel mode) */
	memcpy(out, c->spi_out, 4);
	out[4] = out[5] = out[6] = 0;
	out[7] = 1; /* sequence number 1 */
	uint8_t *iv = out + 8;
	for (size_t i = 0; i < ivl; i++)
		iv[i] = (uint8_t)(0xa0 + i);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	ck_assert(EVP_EncryptInit_ex(cx, ciph, NULL, c->enc_out.ptr, iv));
	EVP_CIPHER_CTX_set_padding(cx, 0);
	ck_assert(EVP_EncryptUpdate(cx, out + 8 + ivl, &l1, plain, (int)n));
	ck_assert(EVP_EncryptFinal_ex(cx, out + 8 + ivl + l1, &l2));
	EVP_CIPHER_CTX_free(cx);
	size_t len = 8 + ivl + (size_t)l1 + (size_t)l2;
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned ml = 0;
	ck_assert_ptr_nonnull(HMAC(md, c->int_out.ptr, (int)c->int_out.len, out, len, mac, &ml));
	memcpy(out + len, mac, icv);
	return len + icv;
}

static struct capture_addr tl_caddr(const struct netaddr *a, uint16_t port)
{
	struct capture_addr c;
	memset(&c, 0, sizeof(c));
	c.family = a->family;
	memcpy(c.ip, a->ip, 16);
	c.port = port;
	return c;
}

/* ---- unit tests ---- */

START_TEST(test_keytab_names)
{
	static const struct {
		const char *p2, *encr, *auth;
	} cases[] = {
		{ "des-md5", "DES-CBC [RFC2405]", "HMAC-MD5-96 [RFC2403]" },
		{ "3des-sha1", "TripleDES-CBC [RFC2451]", "HMAC-SHA-1-96 [RFC2404]" },
		{ "aes128-sha256", "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]" },
		{ "aes192-sha384", "AES-CBC [RFC3602]", "HMAC-SHA-384-192 [RFC4868]" },
		{ "aes256-sha512", "AES-CBC [RFC3602]", "HMAC-SHA-512-256 [RFC4868]" },
		{ "null-sha1", "NULL", "HMAC-SHA-1-96 [RFC2404]" },
		{ "aes128gcm8", "AES-GCM with 8 octet ICV [RFC4106]", "NULL" },
		{ "aes128gcm12", "AES-GCM with 12 octet ICV [RFC4106]", "NULL" },
		{ "aes256gcm16", "AES-GCM with 16 octet ICV [RFC4106]", "NULL" },
	};
	char err[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ike_p2_xform x;
		ck_assert_msg(ike_p2_parse(cases[i].p2, &x, err, sizeof(err)), "%s", err);
		ck_assert_str_eq(keytab_esp_encr_name(&x), cases[i].encr);
		ck_assert_str_eq(keytab_esp_auth_name(&x), cases[i].auth);
	}
	struct ike_p2_xform odd = { .transform = 7 /* Blowfish */, .auth = IKE_EAUTH_SHA1 };
	ck_assert_ptr_null(keytab_esp_encr_name(&odd));
	odd.transform = IKE_ESP_AES;
	odd.auth = 9;
	ck_assert_ptr_null(keytab_esp_auth_name(&odd));
}
END_TEST

/* Exact lines for hand-made state, IPv4 and IPv6, both directions. */
START_TEST(test_keytab_lines)
{
	struct ike_sa sa;
	memset(&sa, 0, sizeof(sa));
	for (int i = 0; i < 8; i++)
		sa.icookie[i] = (uint8_t)(0x10 + i);
	char buf[512];
	ck_assert(!keytab_ikev1_line(&sa, buf, sizeof(buf)));   /* no key yet */
	uint8_t k[16];
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)(0xf0 + i);
	sa.enc_key = CHUNK_FROM(k, 16);
	ck_assert(keytab_ikev1_line(&sa, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "1011121314151617,f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n");
	ck_assert(!keytab_ikev1_line(&sa, buf, 50));   /* too short */

	struct ike_child c;
	memset(&c, 0, sizeof(c));
	c.xf.transform = IKE_ESP_AES;
	c.xf.keylen = 128;
	c.xf.auth = IKE_EAUTH_SHA1;
	const uint8_t si[4] = { 0xc0, 0x01, 0x02, 0x03 }, so[4] = { 0x0a, 0x0b, 0x0c, 0x0d };
	memcpy(c.spi_in, si, 4);
	memcpy(c.spi_out, so, 4);
	uint8_t ei[16] = { 1 }, eo[16] = { 2 }, ii[20] = { 3 }, io[20] = { 4 };
	c.enc_in = CHUNK_FROM(ei, 16);
	c.enc_out = CHUNK_FROM(eo, 16);
	c.int_in = CHUNK_FROM(ii, 20);
	c.int_out = CHUNK_FROM(io, 20);
	struct netaddr l = test_addr("192.0.2.1:500"), p = test_addr("198.51.100.7:4500");
	ck_assert(keytab_esp_line(&c, &l, &p, true, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "\"IPv4\",\"192.0.2.1\",\"198.51.100.7\",\"0x0a0b0c0d\","
			 "\"AES-CBC [RFC3602]\",\"0x02000000000000000000000000000000\","
			 "\"HMAC-SHA-1-96 [RFC2404]\",\"0x0400000000000000000000000000000000000000\"\n");
	ck_assert(keytab_esp_line(&c, &l, &p, false, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "\"IPv4\",\"198.51.100.7\",\"192.0.2.1\",\"0xc0010203\","
			 "\"AES-CBC [RFC3602]\",\"0x01000000000000000000000000000000\","
			 "\"HMAC-SHA-1-96 [RFC2404]\",\"0x0300000000000000000000000000000000000000\"\n");
	/* GCM: no integrity key, the name NULL, an empty key */
	c.xf.transform = IKE_ESP_AES_GCM_16;
	c.xf.auth = 0;
	c.int_out = CHUNK_EMPTY;
	struct netaddr l6 = test_addr("[2001:db8::1]:500"), p6 = test_addr("[2001:db8::2]:500");
	ck_assert(keytab_esp_line(&c, &l6, &p6, true, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x0a0b0c0d\","
			 "\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x02000000000000000000000000000000\","
			 "\"NULL\",\"\"\n");
	/* families differ; buffer too small */
	ck_assert(!keytab_esp_line(&c, &l, &p6, true, buf, sizeof(buf)));
	ck_assert(!keytab_esp_line(&c, &l6, &p6, true, buf, 40));
}
END_TEST

/* The pcap reads back (our reader) with the engine's datagrams, addresses,
 * ports, times and, on 4500, the marker. */
START_TEST(test_timeline_readback)
{
	struct pair p;
	tl_pair_run(&p, "aes128-sha1-modp1024", "aes128-sha1", NULL, false);
	const struct ike_result *r = ike_engine_result(p.ei);
	struct timeline_opts o;
	ck_assert(timeline_opts_from_engine(p.ei, &o));
	ck_assert(!o.natt);
	o.start.tv_sec = 1700000000;
	o.start.tv_usec = 999500;
	char *dir = tl_tmpdir(), path[4096], err[512];
	for (int natt = 0; natt < 2; natt++) {
		if (natt) {
			o.local.port = 4500;
			o.peer.port = 4500;
			ck_assert(timeline_uses_marker(&o));
		}
		snprintf(path, sizeof(path), "%s/t%d.pcap", dir, natt);
		size_t n = 0;
		ck_assert_msg(timeline_write_pcap(path, r, &o, &n, err, sizeof(err)), "%s", err);
		ck_assert_uint_eq(n, r->nevent);
		ck_assert_uint_ge(n, 9);   /* mm1..mm6, qm1..qm3 */
		struct capture cap;
		ck_assert_msg(capture_read_pcap(path, &cap, err, sizeof(err)), "%s", err);
		ck_assert_uint_eq(cap.count, n);
		for (size_t i = 0; i < n; i++) {
			const struct ike_event *ev = &r->event[i];
			const struct capture_dgram *d = &cap.dgrams[i];
			ck_assert(chunk_eq(d->data, ev->datagram));
			ck_assert(d->non_esp_marker == (natt == 1));
			const struct netaddr *src = ev->sent ? &o.local : &o.peer;
			ck_assert_mem_eq(d->src.ip, src->ip, 4);
			ck_assert_uint_eq(d->src.port, src->port);
			uint64_t us = 1700000000ull * 1000000 + 999500 + ev->time_ms * 1000;
			ck_assert_uint_eq((uint64_t)d->ts.tv_sec * 1000000 + (uint64_t)d->ts.tv_usec, us);
		}
		capture_free(&cap);
	}
	/* unusable addresses are refused, not written as garbage */
	struct timeline_opts bad = o;
	bad.peer.family = 0;
	snprintf(path, sizeof(path), "%s/bad.pcap", dir);
	ck_assert(!timeline_write_pcap(path, r, &bad, NULL, err, sizeof(err)));
	ck_assert(strstr(err, "address"));
	tl_rmdir(dir);
	pair_free(&p);
}
END_TEST

/* Retransmissions and received duplicates are in the pcap as they happened,
 * at their (virtual) times; skip_duplicates leaves the received copies out. */
static int tl_drop_state;
static enum transport_verdict tl_drop_mm4_once(void *ctx, const struct transport_pkt *pkt)
{
	(void)ctx;
	/* the fourth datagram on the hub is mm4: lose it once */
	if (++tl_drop_state == 4)
		return TRANSPORT_DROP;
	(void)pkt;
	return TRANSPORT_PASS;
}

START_TEST(test_timeline_retransmission)
{
	char err[256];
	struct pair p;
	pair_init(&p, "3des-sha1-modp1024", NULL);
	tl_drop_state = 0;
	transport_hub_set_filter(p.hub, tl_drop_mm4_once, NULL);
	pair_start(&p, NULL, 0, NULL, 0);
	pair_run_until(&p, 60000);
	const struct ike_result *rr = ike_engine_result(p.er);
	ck_assert_msg(rr->finished && !rr->failed, "%s", rr->error);
	size_t rexmit = 0, dup = 0, last = 0;
	for (size_t i = 0; i < rr->nevent; i++) {
		rexmit += rr->event[i].retransmit;
		dup += rr->event[i].duplicate && !rr->event[i].sent;
		ck_assert_uint_ge(rr->event[i].time_ms, last);
		last = rr->event[i].time_ms;
	}
	ck_assert_uint_ge(rexmit + dup, 1);
	struct timeline_opts o;
	ck_assert(timeline_opts_from_engine(p.er, &o));
	char *dir = tl_tmpdir(), path[4096];
	snprintf(path, sizeof(path), "%s/r.pcap", dir);
	size_t n = 0;
	ck_assert_msg(timeline_write_pcap(path, rr, &o, &n, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, rr->nevent);
	struct capture cap;
	ck_assert(capture_read_pcap(path, &cap, err, sizeof(err)));
	ck_assert_uint_eq(cap.count, n);
	/* a later event has a later timestamp */
	ck_assert_uint_gt((uint64_t)cap.dgrams[n - 1].ts.tv_sec * 1000 + (uint64_t)cap.dgrams[n - 1].ts.tv_usec / 1000,
			  (uint64_t)cap.dgrams[0].ts.tv_sec * 1000 + (uint64_t)cap.dgrams[0].ts.tv_usec / 1000);
	capture_free(&cap);
	o.skip_duplicates = true;
	ck_assert(timeline_write_pcap(path, rr, &o, &n, err, sizeof(err)));
	ck_assert_uint_eq(n, rr->nevent - dup);
	tl_rmdir(dir);
	pair_free(&p);
}
END_TEST

/* ---- the tshark test ---- */

struct tl_case {
	const char *p1, *p2;
	bool natt;        /* NAT-T forced: messages 5 on travel on 4500 with the marker */
	bool rsa;         /* RSA signatures: messages 5 and 6 carry ID, CERT, SIG */
};

static const struct tl_case tl_cases[] = {
	{ "aes128-sha1-modp2048", "aes128-sha1", false, false },
	{ "3des-md5-modp1024", "3des-md5", true, false },
	{ "aes256-sha256-modp1536", "aes256-sha256", false, false },
	{ "aes192-sha512-modp2048", "aes192-sha512", false, true },
};

/* The exchange's timeline and one ESP packet from the initiator,
 * UDP-encapsulated (RFC 3948), in dir/wire.pcap with the key tables;
 * the number of IKE messages written. */
static size_t tl_tshark_capture(const struct tl_case *tc, const struct pair *p,
				struct timeline_opts *o, const char *dir, char *pcap, size_t len)
{
	const struct ike_result *r = ike_engine_result(p->ei);
	struct ike_sa *sa = ike_engine_sa(p->ei);
	char err[512];
	ck_assert(timeline_opts_from_engine(p->ei, o));
	gettimeofday(&o->start, NULL);
	ck_assert_int_eq(o->event_ends, tc->natt);
	ck_assert_int_eq(sa->natt_floated, tc->natt);
	snprintf(pcap, len, "%s/wire.pcap", dir);
	struct capture_writer *w = capture_writer_open(pcap, err, sizeof(err));
	ck_assert_msg(w, "%s", err);
	size_t n = 0;
	ck_assert_msg(timeline_add(w, r, o, &n, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 9);
	/* one ESP packet from the initiator, UDP-encapsulated (RFC 3948) */
	uint8_t esp[512];
	size_t elen = tl_esp_seal(&r->child[0], esp);
	struct capture_addr es = tl_caddr(&o->local, 4500), ed = tl_caddr(&o->peer, 4500);
	struct timeval ets = o->start;
	ets.tv_usec = (ets.tv_usec + 1000) % 1000000;
	ck_assert(capture_writer_add(w, &ets, &es, &ed, false, esp, elen));
	capture_writer_close(w);
	tl_write_keys(dir, sa);
	return n;
}

/* 1. every packet dissects: nothing malformed, no expert error */
static void tl_tshark_clean(const struct tl_case *tc, const char *dir, const char *pcap)
{
	char *out = NULL;
	int st = tl_tshark(dir, pcap, "-Y '_ws.malformed || _ws.expert.severity >= 8388608' "
			   "-T fields -e frame.number -e _ws.expert.message", &out);
	ck_assert_msg(st == 0, "tshark exit %d:\n%s", st, out);
	tl_no_tshark_errors(out, tc->p1);
	ck_assert_msg(out[0] == '\0', "%s: malformed or expert errors:\n%s", tc->p1, out);
	free(out);
}

/* Frames counted by tl_tshark_frame. */
struct tl_frames {
	size_t frames, with_id_hash, qm_hash_nonce, esp_good;
};

/* One line of tl_tshark_fields' output: what its frame must show. */
static void tl_tshark_frame(const struct tl_case *tc, char *line, struct tl_frames *fr)
{
	fr->frames++;
	char *f[9] = { 0 };
	char *tok = line;
	for (int k = 0; k < 9; k++) {
		char *tab = strchr(tok, '\t');
		f[k] = tok;
		if (!tab)
			break;
		*tab = '\0';
		tok = tab + 1;
	}
	int frame = atoi(f[0]);
	bool id = f[2] && *f[2], hash = f[3] && *f[3], nonce = f[4] && *f[4];
	if ((frame == 5 || frame == 6) && tc->rsa) {
		ck_assert_msg(id && f[7] && *f[7] && f[8] && *f[8],
			      "%s-rsa: frame %d (Main Mode message %d) shows no ID, SIG and "
			      "CERT: id '%s' sig '%s' cert '%s'", tc->p1, frame, frame, f[2],
			      f[7], f[8]);
		fr->with_id_hash++;
	} else if (frame == 5 || frame == 6) {
		ck_assert_msg(id && hash, "%s: frame %d (Main Mode message %d) shows no ID "
			      "and HASH: id '%s' hash '%s'", tc->p1, frame, frame, f[2], f[3]);
		fr->with_id_hash++;
	}
	if (frame >= 7 && frame <= 9) {
		ck_assert_msg(f[1] && !strcmp(f[1], "32"), "frame %d: exchange '%s'", frame, f[1]);
		ck_assert_msg(hash, "%s: Quick Mode frame %d not decrypted (no HASH)", tc->p1, frame);
		if (frame < 9)
			ck_assert_msg(nonce && id, "%s: Quick Mode frame %d lacks nonce/IDs", tc->p1, frame);
		fr->qm_hash_nonce++;
	}
	if (frame == 10) {
		ck_assert_msg(f[5] && !strcmp(f[5], "1"), "%s: ESP ICV not good: '%s'", tc->p1, f[5]);
		fr->esp_good++;
	}
	if (frame <= 9)
		ck_assert_msg(f[6] && atoi(f[6]) == (tc->natt && frame >= 5 ? 4500 : 500),
			      "frame %d port %s", frame, f[6]);
}

/* 2. fields per frame: message 5 and 6 decrypt to ID + HASH, Quick Mode
 * to HASH, SA, nonce and IDs; the ESP packet decrypts with a good ICV */
static void tl_tshark_fields(const struct tl_case *tc, const char *dir, const char *pcap)
{
	char *out = NULL;
	int st = tl_tshark(dir, pcap, "-T fields -E separator=/t -e frame.number -e isakmp.exchangetype "
			   "-e isakmp.id.type -e isakmp.hash -e isakmp.nonce -e esp.icv_good "
			   "-e udp.srcport -e isakmp.sig -e isakmp.cert.encoding", &out);
	ck_assert_msg(st == 0, "tshark exit %d:\n%s", st, out);
	tl_no_tshark_errors(out, tc->p1);
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	struct tl_frames fr = { 0 };
	while (line) {
		tl_tshark_frame(tc, line, &fr);
		line = strtok_r(NULL, "\n", &save);
	}
	ck_assert_uint_eq(fr.frames, 10);
	ck_assert_uint_eq(fr.with_id_hash, 2);
	ck_assert_uint_eq(fr.qm_hash_nonce, 3);
	ck_assert_uint_eq(fr.esp_good, 1);
	free(out);
}

/* 3. the verbose tree: "Decrypted" data dissected, and the ESP inner
 * packet with our probe text */
static void tl_tshark_tree(const struct tl_case *tc, const char *dir, const char *pcap)
{
	char *out = NULL;
	int st = tl_tshark(dir, pcap, "-V -x", &out);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(tl_count(out, "Identification") >= 2, "%s: no Identification in -V", tc->p1);
	ck_assert_msg(strstr(out, "Src: 10.1.0.1") && strstr(out, "Dst: 10.2.0.1"),
		      "%s: the ESP inner packet did not decrypt", tc->p1);
	if (tc->natt)
		ck_assert_msg(strstr(out, "Non-ESP Marker") || strstr(out, "UDP Encapsulation"),
			      "%s: no non-ESP marker in the tree", tc->p1);
	free(out);
}

/* 4. ike-conform decode with the same key table decrypts every message */
static void tl_tshark_decode(const struct tl_case *tc, const struct ike_result *r, size_t n,
			     const char *dir, const char *pcap)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		test_skip("timeline decode", bin ? "IKEC_BIN is not built (add cli to MODULES)"
						 : "IKEC_BIN is not set (run through make check)");
		return;
	}
	char cmd[8192], *out = NULL;
	snprintf(cmd, sizeof(cmd), "'%s' decode --keys '%s/wireshark/%s' '%s'", bin, dir,
		 KEYTAB_IKEV1_FILE, pcap);
	int st = test_run(cmd, &out);
	size_t enc = 0;
	for (size_t i = 0; i < r->nevent; i++)
		enc += r->event[i].plaintext.len > 0;
	char want[128];
	snprintf(want, sizeof(want), "%zu messages, %zu decrypted, 0 not decrypted, 0 malformed",
		 n, enc);
	ck_assert_msg(st == 0 && strstr(out, want), "%s: exit %d, want '%s':\n%s", tc->p1, st,
		      want, out);
	free(out);
}

START_TEST(test_timeline_tshark)
{
	const struct tl_case *tc = &tl_cases[_i];
	if (!tl_have_tshark()) {
		test_skip("timeline tshark", "tshark is not installed (make deps installs it)");
		return;
	}
	struct pki_testpki *pki = NULL;
	if (tc->rsa) {
		struct pki_err pe;
		pki = pki_testpki_create(NULL, NULL, &pe);
		ck_assert_msg(pki, "test PKI: %s", pe.msg);
	}
	struct pair p;
	tl_pair_run(&p, tc->p1, tc->p2, pki, tc->natt);
	struct timeline_opts o;
	char *dir = tl_tmpdir(), pcap[4096];
	size_t n = tl_tshark_capture(tc, &p, &o, dir, pcap, sizeof(pcap));
	tl_tshark_clean(tc, dir, pcap);
	tl_tshark_fields(tc, dir, pcap);
	tl_tshark_tree(tc, dir, pcap);
	tl_tshark_decode(tc, ike_engine_result(p.ei), n, dir, pcap);
	test_report("timeline: %s%s + %s%s: %zu messages, tshark decrypts Main Mode 5-6 (%s), "
		    "Quick Mode and ESP", tc->p1, tc->rsa ? "-rsa" : "", tc->p2,
		    tc->natt ? " on 4500" : "", n, tc->rsa ? "ID, CERT, SIG" : "ID, HASH");
	tl_rmdir(dir);
	pair_free(&p);
	if (pki)
		pki_testpki_free(pki);
}
END_TEST

/* Every esp_sa line we can produce loads into tshark (no "Error loading
 * table"), IPv4 and IPv6, every algorithm. */
START_TEST(test_keytab_tshark_accepts)
{
	if (!tl_have_tshark()) {
		test_skip("keytab tshark", "tshark is not installed (make deps installs it)");
		return;
	}
	static const char *const p2s[] = {
		"des-md5", "3des-sha1", "aes128-sha256", "aes192-sha384", "aes256-sha512",
		"null-sha1", "aes128gcm8", "aes128gcm12", "aes256gcm16",
	};
	char *dir = tl_tmpdir(), ws[4096], path[4096], err[256], line[1024];
	snprintf(ws, sizeof(ws), "%s/wireshark", dir);
	ck_assert_int_eq(mkdir(ws, 0700), 0);
	tl_join(path, sizeof(path), ws, KEYTAB_ESP_FILE);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	uint8_t key[64];
	memset(key, 0x5a, sizeof(key));
	struct netaddr l4 = test_addr("192.0.2.1"), p4 = test_addr("192.0.2.2");
	struct netaddr l6 = test_addr("2001:db8::1"), p6 = test_addr("2001:db8::2");
	for (size_t i = 0; i < sizeof(p2s) / sizeof(p2s[0]); i++) {
		struct ike_child c;
		memset(&c, 0, sizeof(c));
		ck_assert(ike_p2_parse(p2s[i], &c.xf, err, sizeof(err)));
		c.spi_in[3] = (uint8_t)(2 * i + 1);
		c.spi_out[3] = (uint8_t)(2 * i + 2);
		c.enc_in = c.enc_out = CHUNK_FROM(key, ike_esp_enc_len(&c.xf));
		c.int_in = c.int_out = CHUNK_FROM(key, ike_esp_int_len(&c.xf));
		for (int d = 0; d < 2; d++) {
			ck_assert(keytab_esp_line(&c, &l4, &p4, d, line, sizeof(line)));
			fputs(line, f);
			ck_assert(keytab_esp_line(&c, &l6, &p6, d, line, sizeof(line)));
			fputs(line, f);
		}
	}
	fclose(f);
	tl_join(path, sizeof(path), ws, KEYTAB_IKEV1_FILE);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0011223344556677,00112233445566778899aabbccddeeff\n", f);
	fclose(f);
	/* any capture will do: tshark loads the tables at start */
	snprintf(path, sizeof(path), "%s/empty.pcap", dir);
	struct capture_writer *w = capture_writer_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	capture_writer_close(w);
	char *out = NULL;
	int st = tl_tshark(dir, path, "", &out);
	ck_assert_msg(st == 0, "tshark exit %d: %s", st, out);
	tl_no_tshark_errors(out, "esp_sa with every algorithm");
	free(out);
	/* and the check itself works: a wrong name is refused */
	tl_join(path, sizeof(path), ws, KEYTAB_ESP_FILE);
	f = fopen(path, "a");
	fputs("\"IPv4\",\"1.2.3.4\",\"1.2.3.5\",\"0x1\",\"AES-CBC\",\"0x00\",\"NULL\",\"\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/empty.pcap", dir);
	tl_tshark(dir, path, "", &out);
	ck_assert_msg(strstr(out, "Error loading table"), "tshark took a bad name: %s", out);
	free(out);
	tl_rmdir(dir);
}
END_TEST

Suite *suite_timeline(void)
{
	Suite *s = suite_create("timeline");
	TCase *tc = tcase_create("timeline");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_keytab_names);
	tcase_add_test(tc, test_keytab_lines);
	tcase_add_test(tc, test_timeline_readback);
	tcase_add_test(tc, test_timeline_retransmission);
	tcase_add_test(tc, test_keytab_tshark_accepts);
	tcase_add_loop_test(tc, test_timeline_tshark, 0, (int)(sizeof(tl_cases) / sizeof(tl_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
