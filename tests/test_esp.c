/* esp: the userspace ESP codec (RFC 4303): round trips for every transform
 * and integrity algorithm, published known answers (RFC 3602, the GCM ESP
 * test cases), every refusal with its counter, and tshark as an
 * independent dissector of what we seal. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/addr.h"
#include "core/hex.h"
#include "esp/esp.h"
#include "esp/keepalive.h"
#include "esp/user.h"
#include "netns/netns.h"
#include "ike/sa.h"
#include "report/capture.h"
#include "report/keys.h"
#include "tests.h"

/* ---- helpers ---- */

/* One transform/integrity combination, with a name for messages. */
struct esp_combo {
	const char *name;
	uint16_t transform, keylen, auth;
};

static const struct esp_combo esp_combos[] = {
	{ "des-md5", IKE_ESP_DES, 0, IKE_EAUTH_MD5 },
	{ "des-sha1", IKE_ESP_DES, 0, IKE_EAUTH_SHA1 },
	{ "des-sha256", IKE_ESP_DES, 0, IKE_EAUTH_SHA256 },
	{ "des-sha384", IKE_ESP_DES, 0, IKE_EAUTH_SHA384 },
	{ "des-sha512", IKE_ESP_DES, 0, IKE_EAUTH_SHA512 },
	{ "3des-md5", IKE_ESP_3DES, 0, IKE_EAUTH_MD5 },
	{ "3des-sha1", IKE_ESP_3DES, 0, IKE_EAUTH_SHA1 },
	{ "3des-sha256", IKE_ESP_3DES, 0, IKE_EAUTH_SHA256 },
	{ "3des-sha384", IKE_ESP_3DES, 0, IKE_EAUTH_SHA384 },
	{ "3des-sha512", IKE_ESP_3DES, 0, IKE_EAUTH_SHA512 },
	{ "aes-md5", IKE_ESP_AES, 0, IKE_EAUTH_MD5 },
	{ "aes128-sha1", IKE_ESP_AES, 128, IKE_EAUTH_SHA1 },
	{ "aes128-sha256", IKE_ESP_AES, 128, IKE_EAUTH_SHA256 },
	{ "aes128-sha384", IKE_ESP_AES, 128, IKE_EAUTH_SHA384 },
	{ "aes128-sha512", IKE_ESP_AES, 128, IKE_EAUTH_SHA512 },
	{ "aes192-md5", IKE_ESP_AES, 192, IKE_EAUTH_MD5 },
	{ "aes192-sha1", IKE_ESP_AES, 192, IKE_EAUTH_SHA1 },
	{ "aes192-sha256", IKE_ESP_AES, 192, IKE_EAUTH_SHA256 },
	{ "aes192-sha384", IKE_ESP_AES, 192, IKE_EAUTH_SHA384 },
	{ "aes192-sha512", IKE_ESP_AES, 192, IKE_EAUTH_SHA512 },
	{ "aes256-md5", IKE_ESP_AES, 256, IKE_EAUTH_MD5 },
	{ "aes256-sha1", IKE_ESP_AES, 256, IKE_EAUTH_SHA1 },
	{ "aes256-sha256", IKE_ESP_AES, 256, IKE_EAUTH_SHA256 },
	{ "aes256-sha384", IKE_ESP_AES, 256, IKE_EAUTH_SHA384 },
	{ "aes256-sha512", IKE_ESP_AES, 256, IKE_EAUTH_SHA512 },
	{ "null-md5", IKE_ESP_NULL, 0, IKE_EAUTH_MD5 },
	{ "null-sha1", IKE_ESP_NULL, 0, IKE_EAUTH_SHA1 },
	{ "null-sha256", IKE_ESP_NULL, 0, IKE_EAUTH_SHA256 },
	{ "null-sha384", IKE_ESP_NULL, 0, IKE_EAUTH_SHA384 },
	{ "null-sha512", IKE_ESP_NULL, 0, IKE_EAUTH_SHA512 },
	{ "aesgcm8-128", IKE_ESP_AES_GCM_8, 128, IKE_EAUTH_NONE },
	{ "aesgcm8-192", IKE_ESP_AES_GCM_8, 192, IKE_EAUTH_NONE },
	{ "aesgcm8-256", IKE_ESP_AES_GCM_8, 256, IKE_EAUTH_NONE },
	{ "aesgcm12-128", IKE_ESP_AES_GCM_12, 0, IKE_EAUTH_NONE },
	{ "aesgcm12-192", IKE_ESP_AES_GCM_12, 192, IKE_EAUTH_NONE },
	{ "aesgcm12-256", IKE_ESP_AES_GCM_12, 256, IKE_EAUTH_NONE },
	{ "aesgcm16-128", IKE_ESP_AES_GCM_16, 128, IKE_EAUTH_NONE },
	{ "aesgcm16-192", IKE_ESP_AES_GCM_16, 192, IKE_EAUTH_NONE },
	{ "aesgcm16-256", IKE_ESP_AES_GCM_16, 256, IKE_EAUTH_NONE },
};
#define ESP_NCOMBOS (sizeof(esp_combos) / sizeof(esp_combos[0]))

static struct ike_p2_xform esp_xf(const struct esp_combo *c)
{
	struct ike_p2_xform x;
	memset(&x, 0, sizeof(x));
	x.transform = c->transform;
	x.keylen = c->keylen;
	x.auth = c->auth;
	x.encap = IKE_ENCAP_TUNNEL;
	return x;
}

/* Keys of the right lengths for a combination, different per seed (and
 * never DES-weak: bytes vary within each 8-byte half). */
struct esp_keys {
	uint8_t enc[36], integ[64];
	chunk_t e, i;
};

static void esp_keys_make(struct esp_keys *k, const struct ike_p2_xform *x, uint8_t seed)
{
	for (size_t j = 0; j < sizeof(k->enc); j++)
		k->enc[j] = (uint8_t)(seed * 31 + j * 7 + 1);
	for (size_t j = 0; j < sizeof(k->integ); j++)
		k->integ[j] = (uint8_t)(seed * 17 + j * 5 + 3);
	k->e = CHUNK_FROM(k->enc, ike_esp_enc_len(x));
	k->i = CHUNK_FROM(k->integ, ike_esp_int_len(x));
}

static struct esp_sa *esp_new_ok(uint32_t spi, const struct ike_p2_xform *x, chunk_t e, chunk_t i)
{
	uint8_t s[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
			 (uint8_t)spi };
	char err[256] = "";
	struct esp_sa *sa = esp_sa_new(s, x, e, i, err, sizeof(err));
	ck_assert_msg(sa, "esp_sa_new: %s", err);
	ck_assert_uint_eq(esp_sa_spi(sa), spi);
	return sa;
}

/* A deterministic inner packet of n bytes. */
static void esp_fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t j = 0; j < n; j++)
		p[j] = (uint8_t)(seed + j * 13);
}

/* Expect esp_open to refuse for why, and the counter of why to go up by
 * one (and nothing else). */
static void esp_expect_drop(struct esp_sa *sa, const uint8_t *p, size_t len, enum esp_drop why,
			    const char *what)
{
	struct esp_counters before = *esp_sa_counters(sa);
	chunk_t in = { (uint8_t *)"x", 1 };
	uint8_t nh = 0xee;
	enum esp_drop d = esp_open(sa, p, len, &in, &nh);
	ck_assert_msg(d == why, "%s: %s: got drop '%s', want '%s'", esp_sa_name(sa), what,
		      esp_drop_name(d), esp_drop_name(why));
	const struct esp_counters *after = esp_sa_counters(sa);
	for (int k = 0; k < ESP_DROP_COUNT; k++)
		ck_assert_msg(after->drops[k] == before.drops[k] + (k == (int)why),
			      "%s: %s: counter '%s' %llu -> %llu", esp_sa_name(sa), what,
			      esp_drop_name((enum esp_drop)k), (unsigned long long)before.drops[k],
			      (unsigned long long)after->drops[k]);
	ck_assert_uint_eq(after->packets, before.packets);
	ck_assert_uint_eq(after->bytes, before.bytes);
	/* a refusal leaves the output alone */
	ck_assert_uint_eq(in.len, 1);
	ck_assert_uint_eq(nh, 0xee);
}

static void esp_expect_open(struct esp_sa *sa, chunk_t pkt, const uint8_t *want, size_t wlen,
			    uint8_t want_nh, const char *what)
{
	struct esp_counters before = *esp_sa_counters(sa);
	chunk_t in = CHUNK_EMPTY;
	uint8_t nh = 0;
	enum esp_drop d = esp_open(sa, pkt.ptr, pkt.len, &in, &nh);
	ck_assert_msg(d == ESP_DROP_NONE, "%s: %s: refused (%s)", esp_sa_name(sa), what,
		      esp_drop_name(d));
	ck_assert_msg(in.len == wlen && (wlen == 0 || memcmp(in.ptr, want, wlen) == 0),
		      "%s: %s: inner differs (%zu bytes, want %zu)", esp_sa_name(sa), what, in.len,
		      wlen);
	ck_assert_uint_eq(nh, want_nh);
	const struct esp_counters *after = esp_sa_counters(sa);
	ck_assert_uint_eq(after->packets, before.packets + 1);
	ck_assert_uint_eq(after->bytes, before.bytes + wlen);
	chunk_free(&in);
}

/* ---- round trips ---- */

/* Every size, tunnel and transport, both directions of a pair of SAs; the
 * packet layout (IV, alignment, ICV) and sequence numbers checked. */
START_TEST(test_esp_roundtrip)
{
	const struct esp_combo *c = &esp_combos[_i];
	struct ike_p2_xform x = esp_xf(c);
	struct esp_keys ka, kb;
	esp_keys_make(&ka, &x, (uint8_t)(2 * _i + 1));
	esp_keys_make(&kb, &x, (uint8_t)(2 * _i + 2));
	/* A -> B with keys a on SPI 0x1000, B -> A with keys b on SPI 0x2000 */
	struct esp_sa *a_out = esp_new_ok(0x1000 + (uint32_t)_i, &x, ka.e, ka.i);
	struct esp_sa *b_in = esp_new_ok(0x1000 + (uint32_t)_i, &x, ka.e, ka.i);
	struct esp_sa *b_out = esp_new_ok(0x2000 + (uint32_t)_i, &x, kb.e, kb.i);
	struct esp_sa *a_in = esp_new_ok(0x2000 + (uint32_t)_i, &x, kb.e, kb.i);
	bool gcm = c->transform >= IKE_ESP_AES_GCM_8;
	size_t block = c->transform == IKE_ESP_AES ? 16 :
		       c->transform == IKE_ESP_DES || c->transform == IKE_ESP_3DES ? 8 : 4;
	size_t iv = c->transform == IKE_ESP_NULL ? 0 : gcm ? 8 : block;
	size_t icv = c->transform == IKE_ESP_AES_GCM_8 ? 8 : c->transform == IKE_ESP_AES_GCM_12 ? 12 :
		     gcm ? 16 : c->auth == IKE_EAUTH_SHA256 ? 16 : c->auth == IKE_EAUTH_SHA384 ? 24 :
		     c->auth == IKE_EAUTH_SHA512 ? 32 : 12;
	ck_assert_uint_eq(esp_sa_iv_len(a_out), iv);
	ck_assert_uint_eq(esp_sa_icv_len(a_out), icv);
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 1400 };
	static const uint8_t nhs[] = { 4, 17 };
	uint8_t buf[1400];
	uint32_t seq = 1;
	size_t n = 0;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t h = 0; h < 2; h++, seq++) {
			size_t len = sizes[s];
			esp_fill(buf, len, (uint8_t)(s * 2 + h));
			for (int dir = 0; dir < 2; dir++) {
				struct esp_sa *tx = dir ? b_out : a_out, *rx = dir ? a_in : b_in;
				ck_assert_uint_eq(esp_sa_next_seq(tx), seq);
				chunk_t p;
				ck_assert_msg(esp_seal(tx, nhs[h], buf, len, &p), "%s: seal %zu", c->name,
					      len);
				/* header, IV, payload+pad+2 aligned, at most block-1 pad, ICV */
				ck_assert_uint_ge(p.len, 8 + iv + len + 2 + icv);
				size_t ct = p.len - 8 - iv - icv;
				ck_assert_msg(ct % block == 0 && ct - len - 2 < block,
					      "%s: %zu-byte inner, %zu bytes of ciphertext", c->name, len,
					      ct);
				ck_assert_uint_le(p.len, len + esp_sa_overhead(tx));
				ck_assert_uint_eq(esp_sa_spi(tx), (uint32_t)p.ptr[0] << 24 |
						  (uint32_t)p.ptr[1] << 16 | (uint32_t)p.ptr[2] << 8 | p.ptr[3]);
				ck_assert_uint_eq((uint32_t)p.ptr[4] << 24 | (uint32_t)p.ptr[5] << 16 |
						  (uint32_t)p.ptr[6] << 8 | p.ptr[7], seq);
				if (gcm)  /* RFC 4106 IV: the 64-bit sequence-based counter */
					ck_assert(p.ptr[8] == 0 && p.ptr[9] == 0 && p.ptr[10] == 0 &&
						  p.ptr[11] == 0 && p.ptr[15] == (uint8_t)seq);
				/* the wrong direction refuses it (another SPI) */
				esp_expect_drop(dir ? b_in : a_in, p.ptr, p.len, ESP_DROP_SPI, "other SA");
				esp_expect_open(rx, p, buf, len, nhs[h], c->name);
				chunk_free(&p);
				n++;
			}
		}
	}
	/* two seals of the same packet never look alike (IV or sequence) and
	 * CBC IVs are random */
	chunk_t p1, p2;
	ck_assert(esp_seal(a_out, 4, buf, 64, &p1));
	ck_assert(esp_seal(a_out, 4, buf, 64, &p2));
	ck_assert(!chunk_eq(p1, p2));
	if (iv && !gcm)
		ck_assert(memcmp(p1.ptr + 8, p2.ptr + 8, iv) != 0);
	chunk_free(&p1);
	chunk_free(&p2);
	ck_assert_uint_eq(esp_sa_counters(b_in)->packets, n / 2);
	ck_assert_uint_eq(esp_sa_counters(a_in)->packets, n / 2);
	esp_sa_free(a_out);
	esp_sa_free(b_in);
	esp_sa_free(b_out);
	esp_sa_free(a_in);
	if (_i == (int)ESP_NCOMBOS - 1)
		test_report("esp: round trips: %zu combinations x 6 sizes x tunnel/transport, "
			    "both directions", ESP_NCOMBOS);
}
END_TEST

/* ---- known answers ---- */

/* RFC 3602 section 4, cases #5 to #8: ESP packets with AES-CBC-128 (SPI,
 * sequence number, IV, ciphertext; those cases carry no ICV). The payload
 * is the inner packet before padding; the trailer the RFC shows is what
 * our sealer must produce. */
static const struct {
	const char *name, *key, *iv, *payload, *packet;
	uint32_t seq;
	uint8_t nh;
} esp_rfc3602[] = {
	{ "RFC 3602 case #5 (ICMP, 64 bytes)", "90d382b410eeba7ad938c46cec1a82bf",
	  "e96e8c08ab465763fd098d45dd3ff893",
	  "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f3031323334353637",
	  "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849"
	  "a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c"
	  "538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6", 1, 1 },
	{ "RFC 3602 case #6 (ICMP, 28 bytes)", "90d382b410eeba7ad938c46cec1a82bf",
	  "69d08df7d203329db093fc4924e5bd80",
	  "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777",
	  "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109"
	  "689bb379d2d750c0d915dca346a89f75", 8, 1 },
	{ "RFC 3602 case #7 (tunnel, 84 bytes)", "0123456789abcdef0123456789abcdef",
	  "f4e765244f6407adf13dc1380f673f37",
	  "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
	  "34353637",
	  "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c"
	  "237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b"
	  "8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
	  2, 4 },
	{ "RFC 3602 case #8 (tunnel, 68 bytes)", "0123456789abcdef0123456789abcdef",
	  "85d47224b5f3dd5d2101d4ea8dffab22",
	  "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffff"
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048f"
	  "e45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de"
	  "435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892", 5, 4 },
};
#define ESP_N3602 (sizeof(esp_rfc3602) / sizeof(esp_rfc3602[0]))

/* The codec refuses CBC without integrity (RFC 4303 3.2 attacks), so the
 * SA adds HMAC-SHA1-96 with a key of ours: the bytes before the ICV must
 * be the RFC's packet, the ICV must be OpenSSL's HMAC of them, and the
 * RFC's packet with that ICV appended must open. */
START_TEST(test_esp_kat_rfc3602)
{
	static const uint8_t ikey[20] = "esp-kat-hmac-sha1-96";
	size_t checked = 0;
	for (size_t v = 0; v < ESP_N3602; v++) {
		chunk_t key = test_hex(esp_rfc3602[v].key), iv = test_hex(esp_rfc3602[v].iv);
		chunk_t pl = test_hex(esp_rfc3602[v].payload), want = test_hex(esp_rfc3602[v].packet);
		struct ike_p2_xform x = { .transform = IKE_ESP_AES, .keylen = 128,
					  .auth = IKE_EAUTH_SHA1 };
		uint32_t spi = (uint32_t)want.ptr[2] << 8 | want.ptr[3];
		struct esp_sa *tx = esp_new_ok(spi, &x, key, CHUNK_FROM(ikey, 20));
		struct esp_sa *rx = esp_new_ok(spi, &x, key, CHUNK_FROM(ikey, 20));
		esp_sa_set_next_seq(tx, esp_rfc3602[v].seq);
		ck_assert(esp_sa_set_iv_for_test(tx, iv.ptr, iv.len));
		chunk_t p;
		ck_assert(esp_seal(tx, esp_rfc3602[v].nh, pl.ptr, pl.len, &p));
		ck_assert_uint_eq(p.len, want.len + 12);
		test_expect_hex(CHUNK_FROM(p.ptr, want.len), esp_rfc3602[v].packet,
				esp_rfc3602[v].name);
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned ml = 0;
		ck_assert_ptr_nonnull(HMAC(EVP_sha1(), ikey, 20, want.ptr, want.len, mac, &ml));
		ck_assert_msg(memcmp(p.ptr + want.len, mac, 12) == 0, "%s: ICV is not HMAC-SHA1-96",
			      esp_rfc3602[v].name);
		/* the IV hook is used once: the next IV is random again */
		chunk_t p2;
		ck_assert(esp_seal(tx, esp_rfc3602[v].nh, pl.ptr, pl.len, &p2));
		ck_assert(memcmp(p2.ptr + 8, iv.ptr, 16) != 0);
		chunk_free(&p2);
		/* the published packet (with our ICV) opens to the payload */
		chunk_t pub = chunk_alloc(want.len + 12);
		memcpy(pub.ptr, want.ptr, want.len);
		memcpy(pub.ptr + want.len, mac, 12);
		esp_expect_open(rx, pub, pl.ptr, pl.len, esp_rfc3602[v].nh, esp_rfc3602[v].name);
		checked++;
		chunk_free(&pub);
		chunk_free(&p);
		chunk_free(&key);
		chunk_free(&iv);
		chunk_free(&pl);
		chunk_free(&want);
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
	test_report("esp: known answers: RFC 3602 section 4 AES-CBC ESP packets: %zu checked "
		    "(sealed byte for byte and opened)", checked);
}
END_TEST

/* draft-mcgrew-gcm-test-01 section 4 (AES-GCM in ESP, RFC 4106): the test
 * cases with 32-bit sequence numbers (8-byte AAD, SPI|seq); the others use
 * extended sequence numbers, which this codec does not do. key is the
 * AES key followed by the 4-byte salt, as KEYMAT gives it; plain is the
 * ESP plaintext with its trailer (padding, pad length, next header);
 * packet the whole ESP packet with its 16-byte ICV. */
static const struct {
	const char *name, *key, *plain, *packet;
	uint16_t keylen;
} esp_gcm_kat[] = {
	{ "GCM test case 2 (AES-128)", "feffe9928665731c6d6a8f9467308308" "cafebabe",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d0010000010000000000000373"
	  "69700963796265726369747902646b00000100010001",
	  "0000a5f80000000afacedbaddecaf888deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba7"
	  "6d5d114d2a5c3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd183b70d3a"
	  "a8bc6ee4c309e9d85a41ad4a", 128 },
	{ "GCM test case 3 (AES-256)",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab" "11223344",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf00000204"
	  "05b40101040201020201",
	  "4a2cbfe3000000020102030405060708ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06ef"
	  "ae9d65a5d763748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c4915956c96",
	  256 },
	{ "GCM test case 4 (AES-128, zero key)", "00000000000000000000000000000000" "00000000",
	  "4500003c99c500008001cb7a40679318010101010800075c020044006162636465666768696a6b6c6d6e"
	  "6f707172737475767761626364656667686901020201",
	  "000000000000000100000000000000004688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fd"
	  "cdfff5e9a284456476492719ffb64de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3f821d496"
	  "eeb096e98ad2b69e4799c71d", 128 },
	{ "GCM test case 7 (AES-192)", "feffe9928665731c6d6a8f9467308308feffe9928665731c" "cafebabe",
	  "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e501016d075680001",
	  "0000a5f80000000afacedbaddecaf888a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8"
	  "858b5bfbdbd0315b27452144cc7795457b9652037f5318027b5b4cd7a636", 192 },
	{ "GCM test case 12 (empty payload, sequence 0xffffffff)",
	  "7d773d00c144c525ac619d18c84a3f47" "d9664267", "01020201",
	  "335467aeffffffff43457e9182443bc6437f866bcb3f699fe9b0822bac961c4504bef270", 128 },
};
#define ESP_NGCM (sizeof(esp_gcm_kat) / sizeof(esp_gcm_kat[0]))

START_TEST(test_esp_kat_gcm)
{
	size_t checked = 0;
	for (size_t v = 0; v < ESP_NGCM; v++) {
		chunk_t key = test_hex(esp_gcm_kat[v].key), plain = test_hex(esp_gcm_kat[v].plain);
		chunk_t want = test_hex(esp_gcm_kat[v].packet);
		struct ike_p2_xform x = { .transform = IKE_ESP_AES_GCM_16,
					  .keylen = esp_gcm_kat[v].keylen };
		uint32_t spi = (uint32_t)want.ptr[0] << 24 | (uint32_t)want.ptr[1] << 16 |
			       (uint32_t)want.ptr[2] << 8 | want.ptr[3];
		uint32_t seq = (uint32_t)want.ptr[4] << 24 | (uint32_t)want.ptr[5] << 16 |
			       (uint32_t)want.ptr[6] << 8 | want.ptr[7];
		struct esp_sa *tx = esp_new_ok(spi, &x, key, CHUNK_EMPTY);
		struct esp_sa *rx = esp_new_ok(spi, &x, key, CHUNK_EMPTY);
		/* the payload is the plaintext without its trailer */
		size_t padlen = plain.ptr[plain.len - 2], body = plain.len - 2 - padlen;
		uint8_t nh = plain.ptr[plain.len - 1];
		esp_sa_set_next_seq(tx, seq);
		ck_assert(esp_sa_set_iv_for_test(tx, want.ptr + 8, 8));
		chunk_t p;
		ck_assert_msg(esp_seal(tx, nh, plain.ptr, body, &p), "%s: seal", esp_gcm_kat[v].name);
		test_expect_hex(p, esp_gcm_kat[v].packet, esp_gcm_kat[v].name);
		esp_expect_open(rx, want, plain.ptr, body, nh, esp_gcm_kat[v].name);
		/* any bit of the tag, the IV or the header is covered */
		for (size_t off = 0; off < want.len; off++) {
			if (off >= 16 && off % 13 && off != want.len - 1)
				continue;
			chunk_t bad = chunk_dup(want.ptr, want.len);
			bad.ptr[off] ^= 0x01;
			struct esp_sa *r2 = esp_new_ok(spi, &x, key, CHUNK_EMPTY);
			/* sequence 1 with its low bit flipped is 0, never valid */
			enum esp_drop w = off < 4 ? ESP_DROP_SPI :
					  off == 7 && seq == 1 ? ESP_DROP_REPLAY : ESP_DROP_ICV;
			esp_expect_drop(r2, bad.ptr, bad.len, w, esp_gcm_kat[v].name);
			esp_sa_free(r2);
			chunk_free(&bad);
		}
		if (seq == 0xffffffff) {
			/* the last number was used: the next seal must refuse */
			ck_assert_uint_eq(esp_sa_next_seq(tx), 0);
			chunk_t q = CHUNK_EMPTY;
			ck_assert(!esp_seal(tx, nh, plain.ptr, body, &q));
			ck_assert_ptr_null(q.ptr);
		}
		checked++;
		chunk_free(&p);
		chunk_free(&key);
		chunk_free(&plain);
		chunk_free(&want);
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
	test_report("esp: known answers: draft-mcgrew-gcm-test-01 AES-GCM ESP packets: %zu "
		    "checked (sealed byte for byte, opened, tampered copies refused)", checked);
}
END_TEST

/* ---- refusals ---- */

/* A few combinations that cover CBC with both block sizes, NULL and GCM
 * with short and long tags. */
static const struct esp_combo esp_refusal_combos[] = {
	{ "aes128-sha1", IKE_ESP_AES, 128, IKE_EAUTH_SHA1 },
	{ "3des-md5", IKE_ESP_3DES, 0, IKE_EAUTH_MD5 },
	{ "null-sha256", IKE_ESP_NULL, 0, IKE_EAUTH_SHA256 },
	{ "aesgcm16-256", IKE_ESP_AES_GCM_16, 256, IKE_EAUTH_NONE },
	{ "aesgcm8-128", IKE_ESP_AES_GCM_8, 128, IKE_EAUTH_NONE },
};

struct esp_pair {
	struct esp_sa *tx, *rx;
	struct ike_p2_xform x;
	struct esp_keys k;
};

static void esp_pair_new(struct esp_pair *p, const struct esp_combo *c, uint32_t spi)
{
	p->x = esp_xf(c);
	esp_keys_make(&p->k, &p->x, 7);
	p->tx = esp_new_ok(spi, &p->x, p->k.e, p->k.i);
	p->rx = esp_new_ok(spi, &p->x, p->k.e, p->k.i);
}

static void esp_pair_free(struct esp_pair *p)
{
	esp_sa_free(p->tx);
	esp_sa_free(p->rx);
}

static chunk_t esp_seal_ok(struct esp_sa *sa, const uint8_t *inner, size_t len)
{
	chunk_t p;
	ck_assert_msg(esp_seal(sa, 4, inner, len, &p), "%s: seal", esp_sa_name(sa));
	return p;
}

/* Tampering, SPI, every truncation, alignment: each refused and counted,
 * and none of them moves the replay window. */
START_TEST(test_esp_refuse_tamper)
{
	const struct esp_combo *c = &esp_refusal_combos[_i];
	struct esp_pair pr;
	esp_pair_new(&pr, c, 0xc0ffee00);
	uint8_t inner[100];
	esp_fill(inner, sizeof(inner), 9);
	chunk_t p = esp_seal_ok(pr.tx, inner, sizeof(inner));
	size_t icv = esp_sa_icv_len(pr.rx), iv = esp_sa_iv_len(pr.rx);
	/* a flipped ICV byte, first and last */
	chunk_t bad = chunk_dup(p.ptr, p.len);
	bad.ptr[p.len - icv] ^= 0x80;
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_ICV, "flipped first ICV byte");
	memcpy(bad.ptr, p.ptr, p.len);
	bad.ptr[p.len - 1] ^= 0x01;
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_ICV, "flipped last ICV byte");
	/* a flipped ciphertext byte (the ICV catches it), an IV byte, the
	 * sequence number */
	memcpy(bad.ptr, p.ptr, p.len);
	bad.ptr[8 + iv + 5] ^= 0x20;
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_ICV, "flipped ciphertext byte");
	if (iv) {
		memcpy(bad.ptr, p.ptr, p.len);
		bad.ptr[8] ^= 0x01;
		esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_ICV, "flipped IV byte");
	}
	memcpy(bad.ptr, p.ptr, p.len);
	bad.ptr[6] ^= 0x01;
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_ICV, "changed sequence number");
	/* sequence number 0 is never sent (RFC 4303 3.3.3) */
	memcpy(bad.ptr, p.ptr, p.len);
	memset(bad.ptr + 4, 0, 4);
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_REPLAY, "sequence number 0");
	/* another SPI */
	memcpy(bad.ptr, p.ptr, p.len);
	bad.ptr[3] ^= 0xff;
	esp_expect_drop(pr.rx, bad.ptr, bad.len, ESP_DROP_SPI, "wrong SPI");
	/* every length below header + IV + one block + ICV */
	size_t block = c->transform == IKE_ESP_AES ? 16 : c->transform == IKE_ESP_3DES ? 8 : 4;
	size_t min = 8 + iv + block + icv;
	for (size_t len = 0; len < min; len++)
		esp_expect_drop(pr.rx, p.ptr, len, ESP_DROP_SHORT, "truncated");
	ck_assert_uint_eq(esp_sa_counters(pr.rx)->drops[ESP_DROP_SHORT], min);
	ck_assert(esp_open(pr.rx, NULL, 0, NULL, NULL) == ESP_DROP_SHORT);
	/* a ciphertext that is not a whole number of blocks (or words) */
	esp_expect_drop(pr.rx, p.ptr, p.len - 1, ESP_DROP_ALIGN, "one byte short");
	esp_expect_drop(pr.rx, p.ptr, p.len - 2, ESP_DROP_ALIGN, "two bytes short");
	/* none of that moved the window: the genuine packet opens, once */
	esp_expect_open(pr.rx, p, inner, sizeof(inner), 4, "after the refusals");
	esp_expect_drop(pr.rx, p.ptr, p.len, ESP_DROP_REPLAY, "replay of an accepted packet");
	const struct esp_counters *ct = esp_sa_counters(pr.rx);
	ck_assert_uint_eq(ct->drops[ESP_DROP_ICV], iv ? 5 : 4);
	ck_assert_uint_eq(ct->drops[ESP_DROP_REPLAY], 2);
	ck_assert_uint_eq(ct->drops[ESP_DROP_SPI], 1);
	ck_assert_uint_eq(ct->drops[ESP_DROP_ALIGN], 2);
	ck_assert_uint_eq(ct->drops[ESP_DROP_NONE], 0);
	ck_assert_str_eq(esp_drop_name(ESP_DROP_PADDING), "padding");
	chunk_free(&bad);
	chunk_free(&p);
	esp_pair_free(&pr);
}
END_TEST

/* The anti-replay window (RFC 4303 3.4.3, appendix A, 64 packets): out of
 * order inside the window accepted once, the left edge refused, a jump
 * beyond the window clears it. */
START_TEST(test_esp_refuse_replay)
{
	const struct esp_combo *c = &esp_refusal_combos[_i];
	struct esp_pair pr;
	esp_pair_new(&pr, c, 0xc0ffee01);
	uint8_t inner[20];
	esp_fill(inner, sizeof(inner), 3);
	chunk_t p[4];
	for (int k = 0; k < 4; k++)
		p[k] = esp_seal_ok(pr.tx, inner, sizeof(inner));  /* sequence 1..4 */
	esp_expect_open(pr.rx, p[0], inner, sizeof(inner), 4, "seq 1");
	/* 3 before 2: out of order inside the window is fine, once */
	esp_expect_open(pr.rx, p[2], inner, sizeof(inner), 4, "seq 3");
	esp_expect_open(pr.rx, p[1], inner, sizeof(inner), 4, "seq 2 after 3");
	esp_expect_drop(pr.rx, p[1].ptr, p[1].len, ESP_DROP_REPLAY, "seq 2 again");
	esp_expect_drop(pr.rx, p[0].ptr, p[0].len, ESP_DROP_REPLAY, "seq 1 again");
	/* jump to 3 + 64 = 67: 4 (63 behind) is still inside, 3 is out */
	esp_sa_set_next_seq(pr.tx, 67);
	chunk_t q = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_open(pr.rx, q, inner, sizeof(inner), 4, "seq 67");
	chunk_t r = esp_seal_ok(pr.tx, inner, sizeof(inner));  /* 68 */
	esp_expect_open(pr.rx, r, inner, sizeof(inner), 4, "seq 68");
	/* now 4 is 64 behind: left of the window, never seen but refused */
	esp_expect_drop(pr.rx, p[3].ptr, p[3].len, ESP_DROP_REPLAY, "seq 4 left of the window");
	esp_expect_drop(pr.rx, q.ptr, q.len, ESP_DROP_REPLAY, "seq 67 again");
	/* a packet from inside the window that never came: 5 .. 67 */
	esp_sa_set_next_seq(pr.tx, 5);
	chunk_t s5 = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_open(pr.rx, s5, inner, sizeof(inner), 4, "seq 5, 63 behind");
	esp_expect_drop(pr.rx, s5.ptr, s5.len, ESP_DROP_REPLAY, "seq 5 again");
	/* a jump far beyond the window empties it */
	esp_sa_set_next_seq(pr.tx, 100000);
	chunk_t far = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_open(pr.rx, far, inner, sizeof(inner), 4, "seq 100000");
	esp_sa_set_next_seq(pr.tx, 100000 - 63);
	chunk_t edge = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_open(pr.rx, edge, inner, sizeof(inner), 4, "seq 100000-63");
	esp_sa_set_next_seq(pr.tx, 100000 - 64);
	chunk_t out = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_drop(pr.rx, out.ptr, out.len, ESP_DROP_REPLAY, "seq 100000-64");
	/* a forged packet ahead of the window does not move it: a tampered
	 * 100001 fails its ICV, and the genuine 100001 is still welcome */
	esp_sa_set_next_seq(pr.tx, 100001);
	chunk_t next = esp_seal_ok(pr.tx, inner, sizeof(inner));
	chunk_t forged = chunk_dup(next.ptr, next.len);
	forged.ptr[forged.len - 1] ^= 1;
	esp_expect_drop(pr.rx, forged.ptr, forged.len, ESP_DROP_ICV, "forged seq 100001");
	esp_expect_open(pr.rx, next, inner, sizeof(inner), 4, "seq 100001");
	ck_assert_uint_eq(esp_sa_counters(pr.rx)->drops[ESP_DROP_REPLAY], 6);
	ck_assert_uint_eq(esp_sa_counters(pr.rx)->packets, 9);
	for (int k = 0; k < 4; k++)
		chunk_free(&p[k]);
	chunk_free(&q);
	chunk_free(&r);
	chunk_free(&s5);
	chunk_free(&far);
	chunk_free(&edge);
	chunk_free(&out);
	chunk_free(&next);
	chunk_free(&forged);
	esp_pair_free(&pr);
}
END_TEST

/* Bad padding, sealed on purpose (authentic packets, so only the padding
 * check can refuse them), and the sequence number wrap. */
START_TEST(test_esp_refuse_padding_wrap)
{
	const struct esp_combo *c = &esp_refusal_combos[_i];
	struct esp_pair pr;
	esp_pair_new(&pr, c, 0xc0ffee02);
	size_t block = c->transform == IKE_ESP_AES ? 16 : c->transform == IKE_ESP_3DES ? 8 : 4;
	/* 32 bytes of plaintext, a multiple of every block size here */
	static const struct {
		const char *what;
		size_t padlen;
		uint8_t pad[8];
		bool ok;
	} cases[] = {
		{ "good padding 1 2 3 4 5 6", 6, { 1, 2, 3, 4, 5, 6 }, true },
		{ "no padding", 0, { 0 }, true },
		{ "zero padding (RFC 2406 style)", 6, { 0, 0, 0, 0, 0, 0 }, false },
		{ "padding 1 2 4 3", 4, { 1, 2, 4, 3 }, false },
		{ "padding 2 3 4", 3, { 2, 3, 4 }, false },
		{ "pad length beyond the payload", 31, { 0 }, false },
		{ "pad length 255", 255, { 0 }, false },
	};
	size_t bad = 0;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint8_t plain[32];
		esp_fill(plain, sizeof(plain), (uint8_t)k);
		size_t n = cases[k].padlen <= 8 ? cases[k].padlen : 0;
		memcpy(plain + 30 - n, cases[k].pad, n);
		plain[30] = (uint8_t)cases[k].padlen;
		plain[31] = 4;
		chunk_t p;
		ck_assert(esp_seal_plain_for_test(pr.tx, plain, sizeof(plain), &p));
		if (cases[k].ok) {
			esp_expect_open(pr.rx, p, plain, 30 - cases[k].padlen, 4, cases[k].what);
		} else {
			esp_expect_drop(pr.rx, p.ptr, p.len, ESP_DROP_PADDING, cases[k].what);
			/* it authenticated: the window moved, a replay is a replay */
			esp_expect_drop(pr.rx, p.ptr, p.len, ESP_DROP_REPLAY, cases[k].what);
			bad++;
		}
		chunk_free(&p);
	}
	ck_assert_uint_eq(esp_sa_counters(pr.rx)->drops[ESP_DROP_PADDING], bad);
	/* a plaintext that is not a whole number of blocks is not sealed */
	uint8_t odd[34] = { 0 };
	chunk_t p = CHUNK_EMPTY;
	ck_assert(!esp_seal_plain_for_test(pr.tx, odd, block == 4 ? 30 : block + 2, &p));
	ck_assert_ptr_null(p.ptr);

	/* the sequence number: 0xfffffffe, 0xffffffff, then no more (RFC 4303
	 * 3.3.3: without ESN the SA must be replaced before it wraps) */
	uint8_t inner[40];
	esp_fill(inner, sizeof(inner), 1);
	esp_sa_set_next_seq(pr.tx, 0xfffffffe);
	for (uint32_t s = 0xfffffffe; s != 0; s++) {
		ck_assert_uint_eq(esp_sa_next_seq(pr.tx), s);
		chunk_t q = esp_seal_ok(pr.tx, inner, sizeof(inner));
		esp_expect_open(pr.rx, q, inner, sizeof(inner), 4, "near the wrap");
		chunk_free(&q);
	}
	ck_assert_uint_eq(esp_sa_next_seq(pr.tx), 0);
	for (int k = 0; k < 2; k++) {
		ck_assert(!esp_seal(pr.tx, 4, inner, sizeof(inner), &p));
		ck_assert_ptr_null(p.ptr);
	}
	ck_assert_uint_eq(esp_sa_next_seq(pr.tx), 0);
	/* a new start is possible only by setting it (tests) */
	esp_sa_set_next_seq(pr.tx, 1);
	p = esp_seal_ok(pr.tx, inner, sizeof(inner));
	esp_expect_drop(pr.rx, p.ptr, p.len, ESP_DROP_REPLAY, "seq 1 after 0xffffffff");
	chunk_free(&p);
	esp_pair_free(&pr);
}
END_TEST

/* Transforms, key lengths and combinations the codec must refuse, each
 * with an error that names what is wrong. */
START_TEST(test_esp_sa_refused)
{
	static const uint8_t spi[4] = { 1, 2, 3, 4 };
	static uint8_t key[80];
	static const struct {
		struct ike_p2_xform x;
		size_t enc, integ;
		const char *want;
	} cases[] = {
		{ { .transform = IKE_ESP_NULL, .auth = IKE_EAUTH_NONE }, 0, 0, "NULL with no integrity" },
		{ { .transform = IKE_ESP_AES, .keylen = 128 }, 16, 0, "AES-CBC-128 needs an integrity" },
		{ { .transform = IKE_ESP_3DES }, 24, 0, "3DES-CBC needs an integrity" },
		{ { .transform = IKE_ESP_AES_GCM_16, .keylen = 128, .auth = IKE_EAUTH_SHA1 }, 20, 20,
		  "AES-GCM-128-16: a combined mode takes no separate integrity" },
		{ { .transform = IKE_ESP_AES, .keylen = 128, .auth = IKE_EAUTH_SHA1 }, 24, 20,
		  "AES-CBC-128/HMAC-SHA1-96 needs a 16-byte encryption key, got 24" },
		{ { .transform = IKE_ESP_AES, .keylen = 256, .auth = IKE_EAUTH_SHA256 }, 16, 32,
		  "AES-CBC-256/HMAC-SHA2-256-128 needs a 32-byte encryption key, got 16" },
		{ { .transform = IKE_ESP_AES, .keylen = 160, .auth = IKE_EAUTH_SHA1 }, 20, 20,
		  "AES-CBC key length 160" },
		{ { .transform = IKE_ESP_AES_GCM_8, .keylen = 256 }, 32, 0,
		  "AES-GCM-256-8 needs a 36-byte encryption key (key and 4-byte salt), got 32" },
		{ { .transform = IKE_ESP_AES_GCM_12, .keylen = 64 }, 12, 0, "AES-GCM key length 64" },
		{ { .transform = IKE_ESP_DES, .auth = IKE_EAUTH_MD5 }, 8, 20,
		  "DES-CBC/HMAC-MD5-96 needs a 16-byte integrity key, got 20" },
		{ { .transform = IKE_ESP_3DES, .keylen = 128, .auth = IKE_EAUTH_MD5 }, 16, 16,
		  "3DES-CBC has a fixed 192-bit key" },
		{ { .transform = IKE_ESP_3DES, .auth = IKE_EAUTH_SHA512 }, 24, 32,
		  "needs a 64-byte integrity key, got 32" },
		{ { .transform = IKE_ESP_3DES, .auth = 3 }, 24, 16, "integrity algorithm 3 is not supported" },
		{ { .transform = 13, .auth = IKE_EAUTH_SHA1 }, 16, 20, "ESP transform 13 is not supported" },
		{ { .transform = IKE_ESP_NULL, .keylen = 128, .auth = IKE_EAUTH_SHA1 }, 0, 20,
		  "NULL takes no key length" },
		{ { .transform = IKE_ESP_NULL, .auth = IKE_EAUTH_SHA1 }, 16, 20,
		  "NULL/HMAC-SHA1-96 needs a 0-byte encryption key" },
		{ { .transform = IKE_ESP_AES_GCM_16 }, 20, 16, "takes no integrity key" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char err[256] = "";
		struct esp_sa *sa = esp_sa_new(spi, &cases[k].x, CHUNK_FROM(key, cases[k].enc),
					       CHUNK_FROM(key, cases[k].integ), err, sizeof(err));
		ck_assert_msg(!sa, "case %zu (%s) was accepted", k, cases[k].want);
		ck_assert_msg(strstr(err, cases[k].want), "case %zu: error '%s' lacks '%s'", k, err,
			      cases[k].want);
	}
	/* and the defaults that are fine: AES and GCM key length 0 means 128 */
	struct ike_p2_xform x = { .transform = IKE_ESP_AES, .auth = IKE_EAUTH_SHA1 };
	struct esp_sa *sa = esp_new_ok(7, &x, CHUNK_FROM(key, 16), CHUNK_FROM(key, 20));
	ck_assert_str_eq(esp_sa_name(sa), "AES-CBC-128/HMAC-SHA1-96");
	esp_sa_free(sa);
	x = (struct ike_p2_xform){ .transform = IKE_ESP_AES_GCM_12 };
	sa = esp_new_ok(7, &x, CHUNK_FROM(key, 20), CHUNK_EMPTY);
	ck_assert_str_eq(esp_sa_name(sa), "AES-GCM-128-12");
	ck_assert(!esp_sa_set_iv_for_test(sa, key, 16));
	esp_sa_free(sa);
	esp_sa_free(NULL);
}
END_TEST

/* ---- tshark as an independent dissector ---- */

static bool esp_have_tshark(void)
{
	static int have = -1;
	if (have < 0)
		have = system("tshark --version >/dev/null 2>&1") == 0;
	return have;
}

/* An IPv4 ICMP echo request 10.1.0.1 -> 10.2.0.1 (id, seq) with a marker. */
static size_t esp_icmp(uint8_t *p, uint16_t id)
{
	static const char text[] = "ike-conform esp codec";
	size_t ilen = 8 + sizeof(text) - 1, tot = 20 + ilen;
	memset(p, 0, tot);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = 1;
	const uint8_t src[4] = { 10, 1, 0, 1 }, dst[4] = { 10, 2, 0, 1 };
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	uint8_t *ic = p + 20;
	ic[0] = 8;
	ic[4] = (uint8_t)(id >> 8);
	ic[5] = (uint8_t)id;
	ic[7] = 1;
	memcpy(ic + 8, text, sizeof(text) - 1);
	for (int part = 0; part < 2; part++) {
		uint8_t *h = part ? ic : p;
		size_t hl = part ? ilen : 20, ck = part ? 2 : 10;
		uint32_t sum = 0;
		for (size_t i = 0; i + 1 < hl; i += 2)
			sum += (uint32_t)(h[i] << 8 | h[i + 1]);
		if (hl % 2)
			sum += (uint32_t)h[hl - 1] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		h[ck] = (uint8_t)(~sum >> 8);
		h[ck + 1] = (uint8_t)~sum;
	}
	return tot;
}

static const struct esp_combo esp_tshark_combos[] = {
	{ "aes128-sha1", IKE_ESP_AES, 128, IKE_EAUTH_SHA1 },
	{ "aes256-sha256", IKE_ESP_AES, 256, IKE_EAUTH_SHA256 },
	{ "aes192-sha384", IKE_ESP_AES, 192, IKE_EAUTH_SHA384 },
	{ "3des-md5", IKE_ESP_3DES, 0, IKE_EAUTH_MD5 },
	{ "des-sha512", IKE_ESP_DES, 0, IKE_EAUTH_SHA512 },
	{ "null-sha1", IKE_ESP_NULL, 0, IKE_EAUTH_SHA1 },
	{ "aesgcm16-128", IKE_ESP_AES_GCM_16, 128, IKE_EAUTH_NONE },
	{ "aesgcm12-192", IKE_ESP_AES_GCM_12, 192, IKE_EAUTH_NONE },
	{ "aesgcm8-256", IKE_ESP_AES_GCM_8, 256, IKE_EAUTH_NONE },
};
#define ESP_NTSHARK (sizeof(esp_tshark_combos) / sizeof(esp_tshark_combos[0]))

/* The tshark test's capture being written: the key table, the pcap, the
 * outer addresses and the running timestamp. */
struct esp_tshark_pcap {
	FILE *tab;
	struct capture_writer *w;
	struct netaddr local, peer;
	struct capture_addr src, dst;
	struct timeval ts;
};

/* Open the esp_sa table (in dir/wireshark) and the pcap (dir/esp.pcap). */
static void esp_tshark_open(struct esp_tshark_pcap *t, const char *dir, char *pcap,
			    size_t pcaplen)
{
	char ws[4096], path[4200], err[256];
	snprintf(ws, sizeof(ws), "%s/wireshark", dir);
	ck_assert_int_eq(mkdir(ws, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", ws, KEYTAB_ESP_FILE);
	snprintf(pcap, pcaplen, "%s/esp.pcap", dir);
	t->tab = fopen(path, "w");
	ck_assert_ptr_nonnull(t->tab);
	t->w = capture_writer_open(pcap, err, sizeof(err));
	ck_assert_msg(t->w, "%s", err);
	ck_assert(netaddr_parse("192.0.2.1", 4500, &t->local, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.2", 4500, &t->peer, err, sizeof(err)));
	memset(&t->src, 0, sizeof(t->src));
	memset(&t->dst, 0, sizeof(t->dst));
	t->src.family = t->dst.family = t->local.family;
	memcpy(t->src.ip, t->local.ip, 16);
	memcpy(t->dst.ip, t->peer.ip, 16);
	t->src.port = t->dst.port = 4500;
	gettimeofday(&t->ts, NULL);
}

/* Combination k: its esp_sa line, one sealed ICMP echo into the pcap, and
 * (for two of them) a tampered copy kept for later. */
static void esp_tshark_seal(struct esp_tshark_pcap *t, size_t k, chunk_t *tampered)
{
	const struct esp_combo *c = &esp_tshark_combos[k];
	struct ike_child ch;
	memset(&ch, 0, sizeof(ch));
	ch.protocol = 3;
	ch.xf = esp_xf(c);
	uint32_t spi = 0x51000000 + (uint32_t)k;
	ch.spi_out[0] = (uint8_t)(spi >> 24);
	ch.spi_out[1] = (uint8_t)(spi >> 16);
	ch.spi_out[2] = (uint8_t)(spi >> 8);
	ch.spi_out[3] = (uint8_t)spi;
	struct esp_keys keys;
	esp_keys_make(&keys, &ch.xf, (uint8_t)(40 + k));
	ch.enc_out = keys.e;
	ch.int_out = keys.i;
	char line[1024];
	ck_assert_msg(keytab_esp_line(&ch, &t->local, &t->peer, true, line, sizeof(line)), "%s",
		      c->name);
	fputs(line, t->tab);
	struct esp_sa *sa = esp_new_ok(spi, &ch.xf, keys.e, keys.i);
	/* a few packets, so that a later one (sequence > 1) is checked too */
	esp_sa_set_next_seq(sa, (uint32_t)(k * 1000 + 1));
	uint8_t inner[128];
	size_t n = esp_icmp(inner, (uint16_t)(0x100 + k));
	chunk_t p;
	ck_assert(esp_seal(sa, 4, inner, n, &p));
	t->ts.tv_usec = (t->ts.tv_usec + 1000) % 1000000;
	ck_assert(capture_writer_add(t->w, &t->ts, &t->src, &t->dst, false, p.ptr, p.len));
	if (tampered[k].ptr == NULL && (k == 0 || k == ESP_NTSHARK - 3)) {
		/* a control: the same packet with one ICV bit flipped (a flipped
		   ciphertext bit decrypts to random padding, which tshark may
		   call malformed before it looks at the ICV) */
		tampered[k] = chunk_dup(p.ptr, p.len);
		tampered[k].ptr[tampered[k].len - 1] ^= 0x04;
	}
	chunk_free(&p);
	esp_sa_free(sa);
}

/* Write every combination, then the controls, and close both files. */
static void esp_tshark_write(const char *dir, char *pcap, size_t pcaplen)
{
	struct esp_tshark_pcap t;
	esp_tshark_open(&t, dir, pcap, pcaplen);
	chunk_t tampered[ESP_NTSHARK];
	memset(tampered, 0, sizeof(tampered));
	for (size_t k = 0; k < ESP_NTSHARK; k++)
		esp_tshark_seal(&t, k, tampered);
	/* the controls go last: frames ESP_NTSHARK + 1 and + 2 */
	for (size_t k = 0; k < ESP_NTSHARK; k++) {
		if (!tampered[k].ptr)
			continue;
		ck_assert(capture_writer_add(t.w, &t.ts, &t.src, &t.dst, false, tampered[k].ptr,
					     tampered[k].len));
		chunk_free(&tampered[k]);
	}
	fclose(t.tab);
	capture_writer_close(t.w);
}

/* One of tshark's lines, cut at its tabs into up to 9 fields. */
static void esp_tshark_fields(char *l, char *f[9])
{
	char *tok = l;
	for (int k = 0; k < 9 && tok; k++) {
		f[k] = tok;
		char *tab2 = strchr(tok, '\t');
		if (tab2)
			*tab2++ = '\0';
		tok = tab2;
	}
}

/* Frame k + 1 as tshark decoded combination k: SPI, sequence, good ICV,
 * the inner ICMP echo request and its addresses, nothing malformed. */
static void esp_tshark_expect_combo(char *const f[9], size_t k)
{
	const char *name = esp_tshark_combos[k].name;
	char want[16];
	snprintf(want, sizeof(want), "0x%08zx", 0x51000000 + k);
	ck_assert_msg(f[1] && !strcmp(f[1], want), "%s: SPI '%s'", name, f[1] ? f[1] : "");
	snprintf(want, sizeof(want), "%zu", k * 1000 + 1);
	ck_assert_msg(f[2] && !strcmp(f[2], want), "%s: sequence '%s'", name, f[2] ? f[2] : "");
	ck_assert_msg(f[3] && !strcmp(f[3], "1") && f[4] && !strcmp(f[4], "0"),
		      "%s: ICV not good (good '%s' bad '%s')", name, f[3] ? f[3] : "",
		      f[4] ? f[4] : "");
	ck_assert_msg(f[5] && !strcmp(f[5], "8"), "%s: no inner ICMP echo request (type '%s')",
		      name, f[5] ? f[5] : "");
	snprintf(want, sizeof(want), "%zu", 0x100 + k);
	ck_assert_msg(f[6] && !strcmp(f[6], want), "%s: inner ICMP id '%s'", name,
		      f[6] ? f[6] : "");
	ck_assert_msg(f[7] && !strcmp(f[7], "192.0.2.1,10.1.0.1"), "%s: sources '%s'", name,
		      f[7] ? f[7] : "");
	ck_assert_msg(!f[8] || !*f[8], "%s: malformed", name);
}

/* Run tshark on the pcap with the table and check every frame it prints. */
static void esp_tshark_verify(const char *dir, const char *pcap)
{
	char cmd[8192], *out = NULL;
	snprintf(cmd, sizeof(cmd),
		 "HOME='%s' XDG_CONFIG_HOME='%s' tshark -n -r '%s' "
		 "-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE "
		 "-T fields -E separator=/t -e frame.number -e esp.spi -e esp.sequence "
		 "-e esp.icv_good -e esp.icv_bad -e icmp.type -e icmp.ident -e ip.src -e _ws.malformed",
		 dir, dir, pcap);
	int st = test_run(cmd, &out);
	ck_assert_msg(st == 0, "tshark exit %d:\n%s", st, out);
	ck_assert_msg(!strstr(out, "Error loading table"), "tshark: %s", out);
	size_t frames = 0, good = 0, bad_seen = 0;
	char *save = NULL;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "Running as user"))
			continue;
		char *f[9] = { 0 };
		esp_tshark_fields(l, f);
		size_t k = (size_t)atoi(f[0]) - 1;
		frames++;
		if (k >= ESP_NTSHARK) {
			/* a tampered control: tshark must see the bad ICV */
			ck_assert_uint_lt(k, ESP_NTSHARK + 2);
			ck_assert_msg(f[3] && !strcmp(f[3], "0") && f[4] && !strcmp(f[4], "1"),
				      "frame %zu (tampered): tshark did not flag the ICV (good '%s' "
				      "bad '%s')", k + 1, f[3] ? f[3] : "", f[4] ? f[4] : "");
			bad_seen++;
			continue;
		}
		esp_tshark_expect_combo(f, k);
		good++;
	}
	ck_assert_uint_eq(bad_seen, 2);
	ck_assert_uint_eq(frames, ESP_NTSHARK + 2);
	test_report("esp: tshark decrypts %zu sealed packets (%zu combinations, ESP in UDP 4500): "
		    "good ICV, inner ICMP echo; %zu tampered controls flagged bad", good, ESP_NTSHARK,
		    bad_seen);
	free(out);
}

/* Seal a tunnel-mode ICMP echo with each combination, write them as ESP in
 * UDP 4500 into a pcap with Wireshark's esp_sa table beside it, and have
 * tshark decrypt every one: SPI, sequence number, good ICV (HMAC or GCM
 * tag) and the inner ICMP echo request; two tampered copies must be
 * flagged, so that a tshark that checks nothing cannot pass. */
START_TEST(test_esp_tshark)
{
	if (!esp_have_tshark()) {
		test_skip("esp tshark", "tshark is not installed (make deps installs it)");
		return;
	}
	char *dir = xstrdup("/tmp/ikec-esp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char pcap[4200], cmd[8192];
	esp_tshark_write(dir, pcap, sizeof(pcap));
	esp_tshark_verify(dir, pcap);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}
END_TEST

/* ---- NAT-T keepalives (RFC 3948 2.3) ---- */

static struct netaddr ka_addr(const char *s)
{
	struct netaddr a;
	char err[128];
	ck_assert_msg(netaddr_parse(s, 500, &a, err, sizeof(err)), "%s", err);
	return a;
}

/* One 0xff from the NAT-T port, no marker, one interval after the start,
 * then every interval; the receiver counts it and keeps it from IKE. */
START_TEST(test_keepalive_timer)
{
	char err[256];
	struct transport_hub *hub = transport_hub_new();
	struct netaddr a = ka_addr("192.0.2.1:500"), b = ka_addr("192.0.2.2:500");
	struct netaddr b2 = ka_addr("192.0.2.3:500");
	struct transport *ta = transport_mem_new(hub, &a, 4500, err, sizeof(err));
	struct transport *tb = transport_mem_new(hub, &b, 4500, err, sizeof(err));
	struct transport *tb2 = transport_mem_new(hub, &b2, 4500, err, sizeof(err));
	ck_assert_msg(ta && tb && tb2, "%s", err);
	struct netaddr peer = b;
	peer.port = 4500;
	struct natt_keepalive k, rx, off;
	natt_keepalive_init(&k, 20000, &peer);
	natt_keepalive_init(&rx, 0, NULL);
	natt_keepalive_init(&off, 0, &peer);
	ck_assert_uint_eq(natt_keepalive_run(&off, ta, 1000), NATT_KEEPALIVE_NEVER);
	ck_assert_uint_eq(natt_keepalive_run(&k, ta, 1000), 21000);
	ck_assert_uint_eq(natt_keepalive_run(&k, ta, 20999), 21000);
	ck_assert_uint_eq(k.sent, 0);
	ck_assert_uint_eq(natt_keepalive_run(&k, ta, 21000), 41000);
	ck_assert_uint_eq(natt_keepalive_run(&k, ta, 21500), 41000);
	/* late by far: one keepalive, the next an interval later */
	ck_assert_uint_eq(natt_keepalive_run(&k, ta, 90000), 110000);
	ck_assert_uint_eq(k.sent, 2);
	size_t n;
	const struct transport_hub_entry *log = transport_hub_log(hub, &n);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(log[i].pkt.data.len, 1);
		ck_assert_uint_eq(log[i].pkt.data.ptr[0], 0xff);
		ck_assert_int_eq(log[i].pkt.kind, TRANSPORT_PKT_KEEPALIVE);
		ck_assert_uint_eq(log[i].pkt.src.port, 4500);
		ck_assert(netaddr_eq(&log[i].pkt.dst, &peer));
	}
	struct transport_pkt pkt;
	size_t got = 0;
	while (transport_recv(tb, &pkt) == 1) {
		ck_assert(natt_keepalive_input(&rx, &pkt, 5));
		ck_assert(netaddr_same_host(&pkt.src, &a) && pkt.src.port == 4500);
		transport_pkt_free(&pkt);
		got++;
	}
	ck_assert_uint_eq(got, 2);
	ck_assert_uint_eq(rx.received, 2);
	/* an IKE message is not a keepalive */
	static const uint8_t ike5[5] = { 1, 2, 3, 4, 5 };
	ck_assert(transport_send(ta, TRANSPORT_PORT_NATT, &peer, ike5, 5));
	ck_assert_int_eq(transport_recv(tb, &pkt), 1);
	ck_assert(!natt_keepalive_input(&rx, &pkt, 6));
	transport_pkt_free(&pkt);
	ck_assert_uint_eq(rx.received, 2);
	/* the peer moved: the next one goes to its new address */
	struct netaddr moved = b2;
	moved.port = 4500;
	natt_keepalive_set_peer(&k, &moved);
	natt_keepalive_run(&k, ta, 110000);
	ck_assert_int_eq(transport_recv(tb2, &pkt), 1);
	ck_assert(natt_keepalive_input(NULL, &pkt, 0));
	transport_pkt_free(&pkt);
	ck_assert_int_eq(transport_recv(tb, &pkt), 0);
	ck_assert_uint_eq(k.sent, 3);
	transport_free(ta);
	transport_free(tb);
	transport_free(tb2);
	transport_hub_free(hub);
}
END_TEST

/* ---- the userspace data plane follows a NAT remap ---- */

/* ESP in UDP from a new source port moves the child's peer only when it
 * authenticates: a forged ICV or a replay from yet another port does not. */
START_TEST(test_esp_user_follows_peer)
{
	if (geteuid() != 0) {
		test_skip("esp user follows the peer", "needs root for a namespace and a TUN");
		return;
	}
	char err[512];
	char prefix[24];
	snprintf(prefix, sizeof(prefix), "ikecesp%05d", (int)(getpid() % 100000));
	struct netns_topo *topo = netns_topo_new(NETNS_TOPO_DIRECT, prefix, err, sizeof(err));
	ck_assert_msg(topo, "%s", err);
	struct transport_hub *hub = transport_hub_new();
	struct netaddr a = ka_addr("192.0.2.1:500"), peer = ka_addr("192.0.2.2:4500");
	struct transport *t = transport_mem_new(hub, &a, 4500, err, sizeof(err));
	ck_assert_msg(t, "%s", err);
	struct esp_user *u = esp_user_new(netns_topo_ns(topo, NETNS_ROLE_HARNESS), "ikec0", t, err,
					  sizeof(err));
	ck_assert_msg(u, "%s", err);
	struct ike_child c;
	memset(&c, 0, sizeof(c));
	ck_assert_msg(ike_p2_parse("aes128-sha1", &c.xf, err, sizeof(err)), "%s", err);
	c.xf.encap = IKE_ENCAP_UDP_TUNNEL;
	memcpy(c.spi_in, "\x01\x02\x03\x04", 4);
	memcpy(c.spi_out, "\x05\x06\x07\x08", 4);
	uint8_t k1[16], k2[20], k3[16], k4[20];
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	memset(k3, 0x33, sizeof(k3));
	memset(k4, 0x44, sizeof(k4));
	c.enc_in = CHUNK_FROM(k1, 16);
	c.int_in = CHUNK_FROM(k2, 20);
	c.enc_out = CHUNK_FROM(k3, 16);
	c.int_out = CHUNK_FROM(k4, 20);
	ck_assert_msg(ike_ts_parse("10.2.0.1/32", &c.ts_remote, err, sizeof(err)), "%s", err);
	ck_assert_msg(esp_user_add_child(u, &c, &peer, err, sizeof(err)), "%s", err);
	/* the peer's outbound SA: our inbound keys */
	struct esp_sa *po = esp_sa_new(c.spi_in, &c.xf, c.enc_in, c.int_in, err, sizeof(err));
	ck_assert_msg(po, "%s", err);
	uint8_t inner[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 2, 0, 1, 10, 1, 0, 1,
			      8, 0, 0, 0, 0, 0, 0, 0 };
	struct transport_pkt pkt = { .natt = true, .kind = TRANSPORT_PKT_ESP };
	pkt.dst = a;
	pkt.dst.port = 4500;
	pkt.src = peer;
	struct netaddr got;
	struct esp_counters in, out;
	/* forged, from 4501 */
	ck_assert(esp_seal(po, 4, inner, sizeof(inner), &pkt.data));
	pkt.data.ptr[pkt.data.len - 1] ^= 1;
	pkt.src.port = 4501;
	esp_user_input(u, &pkt);
	chunk_free(&pkt.data);
	ck_assert(esp_user_peer(u, 0, &got) && netaddr_eq(&got, &peer));
	ck_assert(esp_user_counters(u, 0, &in, &out));
	ck_assert_uint_eq(in.drops[ESP_DROP_ICV], 1);
	/* genuine, from 4501 */
	ck_assert(esp_seal(po, 4, inner, sizeof(inner), &pkt.data));
	esp_user_input(u, &pkt);
	ck_assert(esp_user_peer(u, 0, &got) && got.port == 4501 && netaddr_same_host(&got, &peer));
	/* the same packet again from 4502: a replay, ignored */
	pkt.src.port = 4502;
	esp_user_input(u, &pkt);
	chunk_free(&pkt.data);
	ck_assert(esp_user_peer(u, 0, &got) && got.port == 4501);
	ck_assert(esp_user_counters(u, 0, &in, &out));
	ck_assert_uint_eq(in.packets, 1);
	ck_assert_uint_eq(in.drops[ESP_DROP_REPLAY], 1);
	ck_assert(!esp_user_peer(u, 1, &got));
	esp_sa_free(po);
	esp_user_free(u);
	transport_free(t);
	transport_hub_free(hub);
	netns_topo_free(topo);
}
END_TEST

/* ---- the userspace data plane following an engine's children ---- */

struct espu_t {
	char ns[64];
	struct transport_hub *hub;
	struct transport *ta, *tb;     /* ours, and the peer's end on the hub */
	struct netaddr peer;           /* the peer's NAT-T address */
	struct esp_user *u;
	int sock;                      /* UDP in the namespace, from 10.1.0.1 */
	uint8_t key[16], ikey[20];
};

/* A child: inbound SPI 0x1000+n, outbound 0x2000+n, AES-CBC/SHA-1 in UDP,
 * the same keys (the test plays the peer with them), remote 10.2.0.0/24. */
static struct ike_child espu_child(struct espu_t *t, unsigned n)
{
	struct ike_child c;
	memset(&c, 0, sizeof(c));
	c.msgid = n;
	c.protocol = 3;
	c.xf = (struct ike_p2_xform){ .transform = IKE_ESP_AES, .keylen = 128,
				      .auth = IKE_EAUTH_SHA1, .encap = IKE_ENCAP_UDP_TUNNEL };
	uint8_t in[4] = { 0, 0, 0x10, (uint8_t)n }, out[4] = { 0, 0, 0x20, (uint8_t)n };
	memcpy(c.spi_in, in, 4);
	memcpy(c.spi_out, out, 4);
	c.enc_in = c.enc_out = CHUNK_FROM(t->key, sizeof(t->key));
	c.int_in = c.int_out = CHUNK_FROM(t->ikey, sizeof(t->ikey));
	static const uint8_t sub[8] = { 10, 2, 0, 0, 255, 255, 255, 0 };
	c.ts_remote.set = true;
	c.ts_remote.type = 4;  /* ID_IPV4_ADDR_SUBNET */
	memcpy(c.ts_remote.data, sub, 8);
	c.ts_remote.len = 8;
	return c;
}

/* One datagram from the namespace to 10.2.0.5 through the TUN; the SPI
 * it left on (0: nothing left). */
static uint32_t espu_send(struct espu_t *t)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "10.2.0.5", &to.sin_addr);
	ck_assert_int_eq(sendto(t->sock, "rekey", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	for (int i = 0; i < 50 && !esp_user_poll_tun(t->u); i++)
		usleep(2000);
	struct transport_pkt pkt;
	uint32_t spi = 0;
	while (transport_recv(t->tb, &pkt) == 1) {
		if (pkt.kind == TRANSPORT_PKT_ESP && pkt.data.len >= 8)
			spi = (uint32_t)pkt.data.ptr[0] << 24 | (uint32_t)pkt.data.ptr[1] << 16 |
			      (uint32_t)pkt.data.ptr[2] << 8 | pkt.data.ptr[3];
		transport_pkt_free(&pkt);
	}
	return spi;
}

/* The peer sends on child c (sealed with its inbound SPI and keys, with
 * sequence number seq); whether our side accepted it. */
static bool espu_recv(struct espu_t *t, const struct ike_child *c, uint32_t seq)
{
	char err[200];
	struct esp_sa *sa = esp_sa_new(c->spi_in, &c->xf, c->enc_in, c->int_in, err, sizeof(err));
	ck_assert_msg(sa, "%s", err);
	esp_sa_set_next_seq(sa, seq);
	/* an IPv4 UDP packet 10.2.0.5 -> 10.1.0.1 */
	uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 2, 0, 5, 10, 1, 0, 1,
			   0, 9, 0, 9, 0, 8, 0, 0 };
	chunk_t pkt = CHUNK_EMPTY;
	ck_assert(esp_seal(sa, 4, ip, sizeof(ip), &pkt));
	struct esp_counters before, after, out;
	bool had = esp_user_counters_by_spi(t->u, c->spi_in, &before, &out);
	struct transport_pkt tp = { .kind = TRANSPORT_PKT_ESP, .data = pkt, .src = t->peer };
	esp_user_input(t->u, &tp);
	chunk_free(&pkt);
	esp_sa_free(sa);
	return had && esp_user_counters_by_spi(t->u, c->spi_in, &after, &out) &&
	       after.packets == before.packets + 1;
}

/* The data plane's world: a namespace with 10.1.0.1 on lo, a hub with
 * our end and the peer's, the TUN-backed esp_user, a socket inside. */
static void espu_setup(struct espu_t *t)
{
	char err[300];
	memset(t, 0, sizeof(*t));
	snprintf(t->ns, sizeof(t->ns), "ikec-espu-%d", (int)getpid());
	memset(t->key, 0x11, sizeof(t->key));
	memset(t->ikey, 0x22, sizeof(t->ikey));
	ck_assert_msg(netns_create(t->ns, err, sizeof(err)), "%s", err);
	int st = -1;
	char *const lo_up[] = { "ip", "link", "set", "lo", "up", NULL };
	char *const addr[] = { "ip", "addr", "add", "10.1.0.1/32", "dev", "lo", NULL };
	ck_assert_msg(netns_exec(t->ns, lo_up, NULL, 5000, NULL, &st, err, sizeof(err)) && st == 0, "%s", err);
	ck_assert_msg(netns_exec(t->ns, addr, NULL, 5000, NULL, &st, err, sizeof(err)) && st == 0, "%s", err);
	t->hub = transport_hub_new();
	struct netaddr a, b;
	ck_assert(netaddr_parse("192.0.2.1:500", 500, &a, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.2:500", 500, &b, err, sizeof(err)));
	t->ta = transport_mem_new(t->hub, &a, 4500, err, sizeof(err));
	t->tb = transport_mem_new(t->hub, &b, 4500, err, sizeof(err));
	ck_assert_msg(t->ta && t->tb, "%s", err);
	t->peer = b;
	t->peer.port = 4500;
	t->u = esp_user_new(t->ns, "ikecu0", t->ta, err, sizeof(err));
	ck_assert_msg(t->u, "%s", err);
	struct netns_saved saved;
	ck_assert(netns_enter(t->ns, &saved, err, sizeof(err)));
	t->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in from = { .sin_family = AF_INET };
	inet_pton(AF_INET, "10.1.0.1", &from.sin_addr);
	ck_assert_int_eq(bind(t->sock, (struct sockaddr *)&from, sizeof(from)), 0);
	ck_assert(netns_leave(&saved, err, sizeof(err)));
}

/* One child, then a rekey: outbound moves, inbound takes both until the
 * old one is deleted; the counters per SPI. */
static void espu_rekey(struct espu_t *t, struct ike_child *ch)
{
	char err[300];
	ch[0] = espu_child(t, 1);
	ck_assert_int_eq(esp_user_sync(t->u, ch, 1, &t->peer, err, sizeof(err)), 1);
	ck_assert_int_eq(esp_user_sync(t->u, ch, 1, &t->peer, err, sizeof(err)), 0);
	ck_assert_uint_eq(espu_send(t), 0x2001);
	ck_assert(espu_recv(t, &ch[0], 1));
	/* rekeyed: outbound moves to the new child at once, the old one still
	   takes what the peer had in flight */
	ch[1] = espu_child(t, 2);
	ck_assert_int_eq(esp_user_sync(t->u, ch, 2, &t->peer, err, sizeof(err)), 1);
	ck_assert_uint_eq(espu_send(t), 0x2002);
	ck_assert(espu_recv(t, &ch[0], 2));
	ck_assert(espu_recv(t, &ch[1], 1));
	/* the old one deleted: nothing more either way */
	ch[0].deleted = true;
	ck_assert_int_eq(esp_user_sync(t->u, ch, 2, &t->peer, err, sizeof(err)), 0);
	bool live = true;
	ck_assert(esp_user_child_state(t->u, ch[0].spi_in, &live) && !live);
	ck_assert(esp_user_child_state(t->u, ch[1].spi_in, &live) && live);
	ck_assert(!espu_recv(t, &ch[0], 3));
	ck_assert_uint_eq(esp_user_retired(t->u), 1);
	ck_assert_uint_eq(espu_send(t), 0x2002);
	struct esp_counters in, out;
	ck_assert(esp_user_counters_by_spi(t->u, ch[0].spi_in, &in, &out));
	ck_assert_uint_eq(out.packets, 1);   /* only the one before the rekey */
	ck_assert_uint_eq(in.packets, 2);
	ck_assert(esp_user_counters_by_spi(t->u, ch[1].spi_in, &in, &out));
	ck_assert_uint_eq(out.packets, 2);
	ck_assert_uint_eq(in.packets, 1);
}

/* Expired children: nothing goes out, and one never installed. */
static void espu_expired(struct espu_t *t, struct ike_child *ch)
{
	char err[300];
	bool live = true;
	/* the engine found the new one expired too: nothing goes out at all,
	   counted, and an expired child the sync never saw is never installed */
	ch[1].expired = true;
	ch[2] = espu_child(t, 3);
	ch[2].expired = true;
	ck_assert_int_eq(esp_user_sync(t->u, ch, 3, &t->peer, err, sizeof(err)), 0);
	ck_assert(!esp_user_child_state(t->u, ch[2].spi_in, &live));
	ck_assert_uint_eq(espu_send(t), 0);
	ck_assert_uint_eq(esp_user_retired(t->u), 2);
}

/* Endless rekeys: the table drops dead children. */
static void espu_churn(struct espu_t *t, struct ike_child *ch)
{
	char err[300];
	/* a long-lived peer rekeys forever: the table drops dead children */
	for (unsigned n = 4; n < 24; n++) {
		ch[0] = espu_child(t, n);
		ck_assert_msg(esp_user_sync(t->u, ch, 1, &t->peer, err, sizeof(err)) == 1, "%u: %s", n,
			      err);
		ck_assert_uint_eq(espu_send(t), 0x2000 + n);
		ch[0].deleted = true;
		ck_assert_int_eq(esp_user_sync(t->u, ch, 1, &t->peer, err, sizeof(err)), 0);
	}
}

/* Close the socket, free the data plane and the hub, remove the namespace. */
static void espu_teardown(struct espu_t *t)
{
	char err[300];
	close(t->sock);
	esp_user_free(t->u);
	transport_free(t->ta);
	transport_free(t->tb);
	transport_hub_free(t->hub);
	ck_assert_msg(netns_remove(t->ns, err, sizeof(err)), "%s", err);
}

START_TEST(test_esp_user_sync)
{
	if (geteuid() != 0) {
		test_skip("esp_user_sync", "needs root (a namespace and a TUN device)");
		return;
	}
	struct espu_t t;
	espu_setup(&t);
	struct ike_child ch[20];
	espu_rekey(&t, ch);
	espu_expired(&t, ch);
	espu_churn(&t, ch);
	espu_teardown(&t);
}
END_TEST

Suite *suite_esp(void)
{
	Suite *s = suite_create("esp");
	TCase *tc = tcase_create("esp");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_esp_roundtrip, 0, (int)ESP_NCOMBOS);
	tcase_add_test(tc, test_esp_kat_rfc3602);
	tcase_add_test(tc, test_esp_kat_gcm);
	int nref = (int)(sizeof(esp_refusal_combos) / sizeof(esp_refusal_combos[0]));
	tcase_add_loop_test(tc, test_esp_refuse_tamper, 0, nref);
	tcase_add_loop_test(tc, test_esp_refuse_replay, 0, nref);
	tcase_add_loop_test(tc, test_esp_refuse_padding_wrap, 0, nref);
	tcase_add_test(tc, test_esp_sa_refused);
	tcase_add_test(tc, test_esp_tshark);
	tcase_add_test(tc, test_keepalive_timer);
	tcase_add_test(tc, test_esp_user_follows_peer);
	tcase_add_test(tc, test_esp_user_sync);
	suite_add_tcase(s, tc);
	return s;
}
