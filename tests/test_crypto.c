/* crypto: DH groups, PRF, key derivation, ciphers, IVs, hashes. */
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rand.h>

#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/rand.h"
#include "tests.h"

/* Both sides of an exchange agree, for every group in the table (loop index). */
START_TEST(test_dh_agree)
{
	const struct dh_group *g = dh_group_at((size_t)_i);
	struct crypto_err err;
	struct dh_key *a = dh_key_new(g->id, &err);
	ck_assert_msg(a, "group %u: %s", g->id, err.msg);
	struct dh_key *b = dh_key_new(g->id, &err);
	ck_assert_msg(b, "group %u: %s", g->id, err.msg);
	ck_assert_uint_eq(dh_key_public(a).len, g->ke_len);
	ck_assert(!chunk_eq(dh_key_public(a), dh_key_public(b)));
	chunk_t s1, s2;
	ck_assert_msg(dh_key_shared(a, dh_key_public(b), &s1, &err), "group %u: %s", g->id, err.msg);
	ck_assert_msg(dh_key_shared(b, dh_key_public(a), &s2, &err), "group %u: %s", g->id, err.msg);
	ck_assert_uint_eq(s1.len, g->secret_len);
	ck_assert_msg(chunk_eq(s1, s2), "group %u: the two sides disagree", g->id);
	chunk_free(&s1);
	chunk_free(&s2);
	dh_key_free(a);
	dh_key_free(b);
}
END_TEST


static void expect_reject(uint16_t group, chunk_t ke, const char *want_sub)
{
	struct crypto_err err;
	struct dh_key *k = dh_key_new(group, &err);
	ck_assert_msg(k, "group %u: %s", group, err.msg);
	chunk_t s = CHUNK_EMPTY;
	ck_assert_msg(!dh_key_shared(k, ke, &s, &err), "group %u accepted a bad KE (%s)", group,
		      want_sub);
	ck_assert_msg(strstr(err.msg, want_sub), "group %u: error '%s' lacks '%s'", group, err.msg,
		      want_sub);
	ck_assert(!dh_check_public(group, ke, &err));
	dh_key_free(k);
}

/* 0, 1, p-1, p, all-ones and wrong lengths, for MODP groups with known p. */
START_TEST(test_dh_bad_modp)
{
	static const struct { uint16_t id; BIGNUM *(*p)(BIGNUM *); } groups[] = {
		{ 1, BN_get_rfc2409_prime_768 }, { 2, BN_get_rfc2409_prime_1024 },
		{ 5, BN_get_rfc3526_prime_1536 }, { 14, BN_get_rfc3526_prime_2048 },
		{ 15, BN_get_rfc3526_prime_3072 }, { 16, BN_get_rfc3526_prime_4096 },
		{ 17, BN_get_rfc3526_prime_6144 }, { 18, BN_get_rfc3526_prime_8192 },
	};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		const struct dh_group *g = dh_group_get(groups[i].id);
		size_t n = g->ke_len;
		BIGNUM *p = groups[i].p(NULL);
		ck_assert_uint_eq((size_t)BN_num_bytes(p), n);
		chunk_t ke = chunk_alloc(n);
		expect_reject(g->id, ke, "is 0");
		ke.ptr[n - 1] = 1;
		expect_reject(g->id, ke, "is 1");
		BN_bn2binpad(p, ke.ptr, (int)n);
		expect_reject(g->id, ke, "not less than p");
		BN_sub_word(p, 1);
		BN_bn2binpad(p, ke.ptr, (int)n);
		expect_reject(g->id, ke, "p-1");
		memset(ke.ptr, 0xff, n);
		expect_reject(g->id, ke, "not less than p");
		expect_reject(g->id, CHUNK_FROM(ke.ptr, n - 1), "must be");
		chunk_t longer = chunk_alloc(n + 1);
		longer.ptr[n] = 2;
		expect_reject(g->id, longer, "must be");
		expect_reject(g->id, CHUNK_EMPTY, "must be");
		chunk_free(&longer);
		chunk_free(&ke);
		BN_free(p);
	}
	/* RFC 5114 groups: p-1 is out as well, and 0/1 too. */
	chunk_t z = chunk_alloc(128);
	expect_reject(22, z, "is 0");
	chunk_free(&z);
}
END_TEST

/* ECP: a point off the curve, x beyond the field, wrong lengths; EC2N: an
 * x whose point is of order 2, wrong lengths. */
START_TEST(test_dh_bad_ec)
{
	struct crypto_err err;
	for (size_t i = 0; i < dh_group_count(); i++) {
		const struct dh_group *g = dh_group_at(i);
		if (g->type == DH_MODP)
			continue;
		struct dh_key *k = dh_key_new(g->id, &err);
		ck_assert_msg(k, "%s", err.msg);
		chunk_t good = dh_key_public(k);
		chunk_t bad = chunk_dup(good.ptr, good.len);
		if (g->ke_format == DH_KE_XY) {
			bad.ptr[bad.len - 1] ^= 1;  /* y no longer matches x */
			expect_reject(g->id, bad, "not a point on the curve");
			memset(bad.ptr, 0xff, bad.len);
			expect_reject(g->id, bad, "not a point on the curve");
			memset(bad.ptr, 0, bad.len);
			expect_reject(g->id, bad, "not a point on the curve");
		} else if (g->ke_format == DH_KE_X962) {
			bad.ptr[bad.len - 1] ^= 1;
			expect_reject(g->id, bad, "not a point on the curve");
			bad.ptr[0] = 0x05;  /* no such X9.62 form */
			expect_reject(g->id, bad, "X9.62 point");
			memset(bad.ptr + 1, 0, bad.len - 1);
			bad.ptr[0] = 0x04;
			expect_reject(g->id, bad, "order 2");
			uint8_t inf = 0;  /* the point at infinity */
			expect_reject(g->id, CHUNK_FROM(&inf, 1), "X9.62 point");
			/* A compressed point of the wrong length. */
			chunk_t c;
			ck_assert(dh_key_public_compressed(k, &c, &err));
			expect_reject(g->id, CHUNK_FROM(c.ptr, c.len - 1), "X9.62 point");
			chunk_free(&c);
		} else {
			/* x = 0 gives (0, sqrt(b)), of order 2: never a valid public value. */
			memset(bad.ptr, 0, bad.len);
			expect_reject(g->id, bad, "order 2");
		}
		expect_reject(g->id, CHUNK_FROM(good.ptr, good.len - 1), "must be");
		if (g->ke_format == DH_KE_X) {
			/* An ECP-style x | y is the wrong length for an x-only group. */
			chunk_t xy = chunk_alloc(2 * good.len);
			expect_reject(g->id, xy, "x only");
			chunk_free(&xy);
		}
		chunk_free(&bad);
		dh_key_free(k);
	}
}
END_TEST

/* The fields of a group in vectors/ec2n_groups_6_13.txt, in order. */
static const char *const ct_ec2n_names[6] = { "poly", "a", "b", "G", "n", "h" };

/* A group's draft parameters v[] against OpenSSL's named curve. */
static void ct_ec2n_params(const struct dh_group *g, unsigned group, const char *curve,
			   char *const v[6])
{
	EC_GROUP *ecg = EC_GROUP_new_by_curve_name(OBJ_sn2nid(curve));
	ck_assert(ecg);
	BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *want = NULL;
	ck_assert(EC_GROUP_get_curve(ecg, p, a, b, NULL));
	const BIGNUM *got[6] = { p, a, b, NULL, EC_GROUP_get0_order(ecg),
				 EC_GROUP_get0_cofactor(ecg) };
	for (int i = 0; i < 6; i++) {
		ck_assert_msg(v[i], "group %u lacks %s", group, ct_ec2n_names[i]);
		if (i == 3) {
			unsigned char *gen = NULL;
			size_t glen = EC_POINT_point2buf(ecg, EC_GROUP_get0_generator(ecg),
							 POINT_CONVERSION_UNCOMPRESSED,
							 &gen, NULL);
			test_expect_hex(CHUNK_FROM(gen, glen), v[3], "generator");
			ck_assert_uint_eq(glen, g->ke_len);
			OPENSSL_free(gen);
			continue;
		}
		ck_assert(BN_hex2bn(&want, v[i]));
		ck_assert_msg(BN_cmp(want, got[i]) == 0, "group %u %s differs from OpenSSL %s",
			      group, ct_ec2n_names[i], curve);
	}
	BN_free(want);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	EC_GROUP_free(ecg);
}

/* Exchange with one side sending the compressed form. */
static void ct_ec2n_exchange(const struct dh_group *g)
{
	struct crypto_err err;
	struct dh_key *x = dh_key_new(g->id, &err), *y = dh_key_new(g->id, &err);
	ck_assert(x && y);
	chunk_t cx, s1, s2;
	ck_assert(dh_key_public_compressed(x, &cx, &err));
	ck_assert_uint_eq(cx.len, 1 + g->secret_len);
	ck_assert(cx.ptr[0] == 2 || cx.ptr[0] == 3);
	ck_assert_msg(dh_key_shared(y, cx, &s1, &err), "%s", err.msg);
	ck_assert(dh_key_shared(x, dh_key_public(y), &s2, &err));
	ck_assert(chunk_eq(s1, s2));
	chunk_free(&cx);
	chunk_free(&s1);
	chunk_free(&s2);
	dh_key_free(x);
	dh_key_free(y);
}

/* Groups 6-13: the draft's parameters (vectors/ec2n_groups_6_13.txt) are
 * OpenSSL's named curves, and both KE forms the draft allows work. */
START_TEST(test_dh_ec2n_draft)
{
	const char *src = getenv("IKEC_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/vectors/ec2n_groups_6_13.txt", src && *src ? src : ".");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "project vector file %s missing", path);
	char line[512], curve[64] = "";
	char *v[6] = { 0 };
	unsigned group = 0, groups = 0;
	struct crypto_err err;
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);
		line[strcspn(line, "\r\n")] = '\0';
		if ((eof || line[0] == '[') && group) {
			const struct dh_group *g = dh_group_get((uint16_t)group);
			ck_assert_msg(g && strcmp(g->ossl, curve) == 0, "group %u is not %s", group, curve);
			ct_ec2n_params(g, group, curve, v);
			ct_ec2n_exchange(g);
			for (int i = 0; i < 6; i++) {
				free(v[i]);
				v[i] = NULL;
			}
			groups++;
			group = 0;
		}
		if (eof)
			break;
		if (sscanf(line, "[group %u]", &group) == 1)
			continue;
		char *eq = strstr(line, " = ");
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		if (strcmp(line, "curve") == 0)
			snprintf(curve, sizeof(curve), "%s", eq + 3);
		for (int i = 0; i < 6; i++)
			if (strcmp(line, ct_ec2n_names[i]) == 0) {
				free(v[i]);
				v[i] = xstrdup(eq + 3);
			}
	}
	fclose(f);
	ck_assert_uint_eq(groups, 8);
	/* Compressed form only for these groups. */
	struct dh_key *k = dh_key_new(19, &err);
	chunk_t c;
	ck_assert(!dh_key_public_compressed(k, &c, &err));
	dh_key_free(k);
}
END_TEST

/* MODP from a given private value: g^1 = 2, g^2 = 4 and (g^2)^3 = 64. */
START_TEST(test_dh_known_private)
{
	struct crypto_err err;
	uint8_t two = 2, three = 3;
	struct dh_key *a = dh_key_from_private(14, CHUNK_FROM(&two, 1), &err);
	ck_assert_msg(a, "%s", err.msg);
	chunk_t pub = dh_key_public(a);
	ck_assert_uint_eq(pub.len, 256);
	ck_assert_uint_eq(pub.ptr[255], 4);
	for (size_t i = 0; i < 255; i++)
		ck_assert_uint_eq(pub.ptr[i], 0);
	struct dh_key *b = dh_key_from_private(14, CHUNK_FROM(&three, 1), &err);
	ck_assert_msg(b, "%s", err.msg);
	chunk_t s;
	ck_assert_msg(dh_key_shared(b, pub, &s, &err), "%s", err.msg);
	ck_assert_uint_eq(s.len, 256);  /* left-padded, leading zeros kept */
	ck_assert_uint_eq(s.ptr[255], 64);
	ck_assert_uint_eq(s.ptr[0], 0);
	chunk_free(&s);
	dh_key_free(a);
	dh_key_free(b);
	/* Private values out of range, unknown groups. */
	chunk_t zero = chunk_alloc(4);
	ck_assert(!dh_key_from_private(19, zero, &err));
	ck_assert(!dh_key_from_private(14, zero, &err));
	chunk_free(&zero);
	ck_assert(!dh_key_new(31, &err));
	ck_assert(strstr(err.msg, "not supported"));
	ck_assert(!dh_key_new(0, &err));
	/* The explicit primes of groups 1 and 2 are OpenSSL's RFC 2409 ones. */
	BIGNUM *p768 = BN_get_rfc2409_prime_768(NULL);
	struct dh_key *g1 = dh_key_from_private(1, CHUNK_FROM(&two, 1), &err);
	ck_assert_msg(g1, "%s", err.msg);
	BN_sub_word(p768, 1);
	chunk_t pm1 = chunk_alloc(96);
	BN_bn2binpad(p768, pm1.ptr, 96);
	ck_assert(!dh_key_shared(g1, pm1, &s, &err));
	ck_assert(strstr(err.msg, "p-1"));
	chunk_free(&pm1);
	BN_free(p768);
	dh_key_free(g1);
}
END_TEST

/* The table: numbers, types, lengths. */
START_TEST(test_dh_table)
{
	for (uint16_t id = 1; id <= 30; id++) {
		const struct dh_group *g = dh_group_get(id);
		ck_assert_msg(g, "group %u missing", id);
		ck_assert_uint_eq(g->id, id);
		ck_assert_ptr_eq(dh_group_by_name(g->name), g);
	}
	ck_assert_uint_eq(dh_group_get(3)->ke_len, 20);
	ck_assert_uint_eq(dh_group_get(7)->ke_len, 43);
	ck_assert_uint_eq(dh_group_get(13)->ke_len, 145);
	ck_assert_int_eq(dh_group_get(12)->ke_format, DH_KE_X962);
	ck_assert_uint_eq(dh_group_get(4)->ke_len, 24);
	ck_assert_uint_eq(dh_group_get(19)->ke_len, 64);
	ck_assert_uint_eq(dh_group_get(21)->ke_len, 132);
	ck_assert_uint_eq(dh_group_get(21)->secret_len, 66);
	ck_assert_uint_eq(dh_group_get(18)->ke_len, 1024);
	ck_assert_int_eq(dh_group_get(7)->type, DH_EC2N);
	ck_assert_ptr_null(dh_group_get(0));
	ck_assert_ptr_null(dh_group_get(31));
}
END_TEST

/* RFC 2202 / RFC 4231 test case 1: key 0x0b..., data "Hi There". */
START_TEST(test_prf_kat)
{
	static const struct { uint16_t alg; size_t klen; const char *mac; } v[] = {
		{ PRF_MD5, 16, "9294727a3638bb1c13f48ef8158bfc9d" },
		{ PRF_SHA1, 20, "b617318655057264e28bc0b6fb378c8ef146be00" },
		{ PRF_SHA2_256, 20, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ PRF_SHA2_384, 20, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
				    "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
		{ PRF_SHA2_512, 20, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
				    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	};
	struct crypto_err err;
	uint8_t key[20];
	memset(key, 0x0b, sizeof(key));
	chunk_t data = CHUNK_FROM("Hi There", 8);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		chunk_t out;
		ck_assert_msg(prf_compute(v[i].alg, CHUNK_FROM(key, v[i].klen), data, &out, &err),
			      "%s", err.msg);
		test_expect_hex(out, v[i].mac, prf_get(v[i].alg)->name);
		ck_assert_uint_eq(out.len, prf_len(v[i].alg));
		chunk_free(&out);
		/* Incremental, in pieces, then again after final (reuse). */
		struct prf_ctx *ctx = prf_ctx_new(v[i].alg, CHUNK_FROM(key, v[i].klen), &err);
		ck_assert(ctx);
		for (int round = 0; round < 2; round++) {
			ck_assert(prf_ctx_update(ctx, CHUNK_FROM("Hi ", 3), &err));
			ck_assert(prf_ctx_update(ctx, CHUNK_EMPTY, &err));
			ck_assert(prf_ctx_update(ctx, CHUNK_FROM("There", 5), &err));
			ck_assert(prf_ctx_final(ctx, &out, &err));
			test_expect_hex(out, v[i].mac, "incremental");
			chunk_free(&out);
		}
		prf_ctx_free(ctx);
	}
	/* Plain hash: MD5("abc"), SHA-1("abc") (RFC 1321, FIPS 180). */
	chunk_t abc = CHUNK_FROM("abc", 3), h;
	ck_assert(prf_hashv(PRF_MD5, 1, &abc, &h, &err));
	test_expect_hex(h, "900150983cd24fb0d6963f7d28e17f72", "MD5(abc)");
	chunk_free(&h);
	ck_assert(prf_hashv(PRF_SHA1, 1, &abc, &h, &err));
	test_expect_hex(h, "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA1(abc)");
	chunk_free(&h);
	/* Tiger (3) and unknown values are errors, not crashes. */
	ck_assert(!prf_compute(3, abc, abc, &h, &err));
	ck_assert(strstr(err.msg, "not supported"));
	ck_assert(!prf_hashv(99, 1, &abc, &h, &err));
	ck_assert(!prf_ctx_new(0, abc, &err));
	ck_assert_uint_eq(prf_len(3), 0);
	ck_assert_uint_eq(prf_len(PRF_SHA2_384), 48);
	ck_assert_ptr_eq(prf_by_name("sha256"), prf_get(PRF_SHA2_256));
	ck_assert_uint_eq(prf_count(), 5);
	/* An empty HMAC key is legal. */
	ck_assert(prf_compute(PRF_SHA1, CHUNK_EMPTY, abc, &h, &err));
	chunk_free(&h);
}
END_TEST

/* QM HASH(1), the Informational HASH, QM HASH(2) and HASH(3), with
 * SHA-1 and SHA-256. */
static void ct_keys_qm_hashes(chunk_t skeyid_a, uint32_t mid, chunk_t ni, chunk_t nr,
			      chunk_t rest)
{
	struct crypto_err err;
	chunk_t out;
	static const struct { uint16_t alg; const char *h1, *h2, *h3; } qm[] = {
		{ PRF_SHA1, "6341089a4ba2cae0c657332806e4d13502e28c2c",
		  "f4bb212f14c53200d3c56dbcab9a10c0ab644ad7",
		  "c3f7486c8502ffbbc1806a562000f09caad01bb1" },
		{ PRF_SHA2_256, "bb834eba3f26389722113a3aee1044fbe3bcd721ab35f7761153ccefd2170575",
		  "fc439c6838deacce9140da012174039f7400699356e7829e1ee9b254938a4dab",
		  "0e00a1ff2587b5e96e1d9781d6949c55ce9deb29dcc2669dcb789949f61092db" },
	};
	for (size_t i = 0; i < 2; i++) {
		ck_assert(keys_qm_hash1(qm[i].alg, skeyid_a, mid, rest, &out, &err));
		test_expect_hex(out, qm[i].h1, "QM HASH(1)");
		chunk_free(&out);
		ck_assert(keys_info_hash(qm[i].alg, skeyid_a, mid, rest, &out, &err));
		test_expect_hex(out, qm[i].h1, "Informational HASH");
		chunk_free(&out);
		ck_assert(keys_qm_hash2(qm[i].alg, skeyid_a, mid, ni, rest, &out, &err));
		test_expect_hex(out, qm[i].h2, "QM HASH(2)");
		chunk_free(&out);
		ck_assert(keys_qm_hash3(qm[i].alg, skeyid_a, mid, ni, nr, &out, &err));
		test_expect_hex(out, qm[i].h3, "QM HASH(3)");
		chunk_free(&out);
	}
}

/* KEYMAT with and without PFS, protocol ESP, SPI c0ffee01. */
static void ct_keys_keymat(chunk_t skeyid_d, chunk_t gxy, chunk_t spi, chunk_t ni, chunk_t nr)
{
	struct crypto_err err;
	chunk_t out;
	ck_assert(keys_keymat(PRF_SHA1, skeyid_d, gxy, 3, spi, ni, nr, 48, &out, &err));
	test_expect_hex(out, "b2c53a410a12a6033dc0571cafb73b28d46e0153994ce03ce4da7b219e6a05fa"
			"2b5887b7c66024311fb554baaea79f06", "KEYMAT with PFS");
	chunk_free(&out);
	ck_assert(keys_keymat(PRF_SHA1, skeyid_d, CHUNK_EMPTY, 3, spi, ni, nr, 40, &out, &err));
	test_expect_hex(out, "cdd0d9e6f774466794e82241257ad8ec3cc50f9889f9fb21c8cc18c76e038103"
			"188ad5d3eddbfd19", "KEYMAT without PFS");
	chunk_free(&out);
}

/* Formulas against values computed by hand with Python's hmac/hashlib (the
 * script: inputs as below, hmac.new(key, msg, hashlib.x).hexdigest()). */
START_TEST(test_keys_formulas)
{
	struct crypto_err err;
	uint8_t sa_b[20], sd_b[20], se_b[16], se2_b[20], sk_b[16], g_b[64];
	for (int i = 0; i < 20; i++) {
		sa_b[i] = (uint8_t)(1 + i);
		sd_b[i] = (uint8_t)(0x20 + i);
		se2_b[i] = (uint8_t)(0x60 + i);
	}
	for (int i = 0; i < 16; i++) {
		se_b[i] = (uint8_t)(0x50 + i);
		sk_b[i] = (uint8_t)(0x70 + i);
	}
	for (int i = 0; i < 64; i++)
		g_b[i] = (uint8_t)(0x40 + i);
	chunk_t skeyid_a = CHUNK_FROM(sa_b, 20), skeyid_d = CHUNK_FROM(sd_b, 20);
	uint32_t mid = 0x12345678;
	uint8_t ni_b[16], nr_b[32];
	memset(ni_b, 0xaa, sizeof(ni_b));
	memset(nr_b, 0xbb, sizeof(nr_b));
	chunk_t ni = CHUNK_FROM(ni_b, 16), nr = CHUNK_FROM(nr_b, 32);
	chunk_t rest = test_hex("0a000018cccccccccccccccccccccccccccccccccccccccc");
	chunk_t out;
	ct_keys_qm_hashes(skeyid_a, mid, ni, nr, rest);
	chunk_t spi = test_hex("c0ffee01");
	ct_keys_keymat(skeyid_d, CHUNK_FROM(g_b, 64), spi, ni, nr);
	/* Appendix B: MD5 SKEYID_e (16) to a 3DES key (24); SHA-1 (20) to AES-256. */
	ck_assert(keys_cipher_key(PRF_MD5, CHUNK_FROM(se_b, 16), 24, &out, &err));
	test_expect_hex(out, "6982c23b5e03d1c3573fe928f06b31764828a1eb8746753a", "App. B MD5 -> 24");
	chunk_free(&out);
	ck_assert(keys_cipher_key(PRF_SHA1, CHUNK_FROM(se2_b, 20), 32, &out, &err));
	test_expect_hex(out, "b2407d2822c5a70c688317b9b0a6aaa1a23f69684b19c911b6ed944d7a103c22",
		   "App. B SHA-1 -> 32");
	chunk_free(&out);
	/* SKEYID for public-key encryption. */
	chunk_t ci = test_hex("0102030405060708"), cr = test_hex("1112131415161718");
	ck_assert(keys_skeyid_pke(PRF_SHA1, ni, nr, ci, cr, &out, &err));
	test_expect_hex(out, "a28ce9d4d1246034ad8e4fceb984c005c53a0c37", "SKEYID (PKE)");
	chunk_free(&out);
	/* HASH_I / HASH_R with HMAC-MD5. */
	uint8_t gxi_b[96], gxr_b[96];
	memset(gxi_b, 0x11, 96);
	memset(gxr_b, 0x22, 96);
	chunk_t gxi = CHUNK_FROM(gxi_b, 96), gxr = CHUNK_FROM(gxr_b, 96);
	chunk_t sab = test_hex("00000001000000010000002c"), id = test_hex("010000000a000001");
	ck_assert(keys_hash_i(PRF_MD5, CHUNK_FROM(sk_b, 16), gxi, gxr, ci, cr, sab, id, &out, &err));
	test_expect_hex(out, "26661a2c1665cc9d506be4b0398c1874", "HASH_I");
	chunk_free(&out);
	ck_assert(keys_hash_r(PRF_MD5, CHUNK_FROM(sk_b, 16), gxi, gxr, ci, cr, sab, id, &out, &err));
	test_expect_hex(out, "c7aa7893355edfac1ad5d401be207c1f", "HASH_R");
	chunk_free(&out);
	/* IVs: phase 1 with SHA-256 for a 16-byte block; per-M-ID with MD5, 8. */
	ck_assert(keys_iv_phase1(PRF_SHA2_256, gxi, gxr, 16, &out, &err));
	test_expect_hex(out, "c3c7b4454f6571ecded8257e37da17f7", "phase-1 IV");
	chunk_free(&out);
	chunk_t last = test_hex("0011223344556677");
	ck_assert(keys_iv_msgid(PRF_MD5, last, mid, 8, &out, &err));
	test_expect_hex(out, "8aaa94b2dbb87edb", "QM IV");
	chunk_free(&out);
	/* A block longer than the hash is an error. */
	ck_assert(!keys_iv_phase1(PRF_MD5, gxi, gxr, 32, &out, &err));
	ck_assert(strstr(err.msg, "shorter than block"));
	chunk_free(&last);
	chunk_free(&sab);
	chunk_free(&id);
	chunk_free(&ci);
	chunk_free(&cr);
	chunk_free(&spi);
	chunk_free(&rest);
}
END_TEST

/* Appendix B lengths: a prefix of SKEYID_e when long enough, else K1|K2|...
 * with each Kn = prf(SKEYID_e, Kn-1). */
START_TEST(test_appb_lengths)
{
	struct crypto_err err;
	uint8_t e[64];
	for (int i = 0; i < 64; i++)
		e[i] = (uint8_t)(i * 7);
	for (size_t a = 0; a < prf_count(); a++) {
		const struct prf_info *p = prf_at(a);
		chunk_t se = CHUNK_FROM(e, p->len);
		chunk_t full;
		ck_assert(keys_cipher_key(p->id, se, 4 * p->len, &full, &err));
		for (size_t len = 1; len <= 4 * p->len; len++) {
			chunk_t k;
			ck_assert(keys_cipher_key(p->id, se, len, &k, &err));
			ck_assert_uint_eq(k.len, len);
			if (len <= p->len)
				ck_assert(memcmp(k.ptr, e, len) == 0);
			else
				ck_assert(memcmp(k.ptr, full.ptr, len) == 0);
			chunk_free(&k);
		}
		/* K2 = prf(SKEYID_e, K1). */
		chunk_t k2;
		ck_assert(prf_compute(p->id, se, CHUNK_FROM(full.ptr, p->len), &k2, &err));
		ck_assert(memcmp(full.ptr + p->len, k2.ptr, p->len) == 0);
		chunk_free(&k2);
		chunk_free(&full);
	}
	chunk_t k;
	ck_assert(!keys_cipher_key(PRF_SHA1, CHUNK_FROM(e, 20), 0, &k, &err));
}
END_TEST

/* ---- ciphers ----------------------------------------------------------- */

START_TEST(test_cipher_table)
{
	struct crypto_err err;
	size_t n;
	ck_assert(cipher_key_bytes(CIPHER_DES, 0, &n, &err) && n == 8);
	ck_assert(!cipher_key_bytes(CIPHER_DES, 64, &n, &err));  /* fixed key: no attribute */
	ck_assert(strstr(err.msg, "must not be sent"));
	ck_assert(cipher_key_bytes(CIPHER_3DES, 0, &n, &err) && n == 24);
	ck_assert(!cipher_key_bytes(CIPHER_AES, 0, &n, &err));   /* AES needs the attribute */
	ck_assert(strstr(err.msg, "needs a Key Length"));
	ck_assert(cipher_key_bytes(CIPHER_AES, 192, &n, &err) && n == 24);
	ck_assert(!cipher_key_bytes(CIPHER_AES, 160, &n, &err));
	ck_assert(cipher_key_bytes(CIPHER_BLOWFISH, 0, &n, &err) && n == 16);
	ck_assert(cipher_key_bytes(CIPHER_BLOWFISH, 448, &n, &err) && n == 56);
	ck_assert(!cipher_key_bytes(CIPHER_BLOWFISH, 44, &n, &err));
	ck_assert(cipher_key_bytes(CIPHER_CAST, 40, &n, &err) && n == 5);
	ck_assert(!cipher_key_bytes(CIPHER_CAST, 136, &n, &err));
	ck_assert(cipher_key_bytes(CIPHER_CAMELLIA, 256, &n, &err) && n == 32);
	ck_assert(!cipher_key_bytes(CIPHER_IDEA, 0, &n, &err));
	ck_assert(strstr(err.msg, "not supported"));
	ck_assert_uint_eq(cipher_get(CIPHER_AES)->block, 16);
	ck_assert_uint_eq(cipher_get(CIPHER_CAST)->block, 8);
	ck_assert_ptr_eq(cipher_by_name("camellia"), cipher_get(CIPHER_CAMELLIA));
}
END_TEST

/* Published vectors: FIPS 197 App. C (AES, one block, zero IV = ECB), RFC
 * 3713 (Camellia), NESSIE set 8 (DES, Camellia; via strongSwan's
 * test_vectors), NIST 3DES MMT (strongSwan), Eric Young's Blowfish CBC,
 * RFC 2144 B.1 (CAST-128 with 128, 80 and 40-bit keys). */
static const struct {
	uint16_t alg;
	const char *key, *iv, *plain, *cipher;
} cipher_kat[] = {
	{ CIPHER_AES, "000102030405060708090a0b0c0d0e0f", "00000000000000000000000000000000",
	  "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a" },
	{ CIPHER_AES, "000102030405060708090a0b0c0d0e0f1011121314151617",
	  "00000000000000000000000000000000", "00112233445566778899aabbccddeeff",
	  "dda97ca4864cdfe06eaf70a0ec0d7191" },
	{ CIPHER_AES, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  "00000000000000000000000000000000", "00112233445566778899aabbccddeeff",
	  "8ea2b7ca516745bfeafc49904b496089" },
	{ CIPHER_CAMELLIA, "0123456789abcdeffedcba9876543210", "00000000000000000000000000000000",
	  "0123456789abcdeffedcba9876543210", "67673138549669730857065648eabe43" },
	{ CIPHER_CAMELLIA, "000102030405060708090A0B0C0D0E0F", "00000000000000000000000000000000",
	  "410E33F316DF4A72AA2BCD4114E2314D", "00112233445566778899AABBCCDDEEFF" },
	{ CIPHER_CAMELLIA, "000102030405060708090A0B0C0D0E0F1011121314151617",
	  "00000000000000000000000000000000", "941AC6453C3F48A169C2F4FE2BBE5532",
	  "00112233445566778899AABBCCDDEEFF" },
	{ CIPHER_CAMELLIA, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	  "00000000000000000000000000000000", "06369B3608AE43CA79C88BCF497F6771",
	  "00112233445566778899AABBCCDDEEFF" },
	{ CIPHER_DES, "0001020304050607", "0000000000000000", "41AD068548809D02", "0011223344556677" },
	{ CIPHER_DES, "2BD6459F82C5B300", "0000000000000000", "B10F843097A0F932", "EA024714AD5C4D84" },
	{ CIPHER_3DES, "627f460e08104a1043cd265d5840eaf1313edf97df2a8a8c", "8e29f75ea77e5475",
	  "326a494cd33fe756", "b22b8d66de970692" },
	{ CIPHER_3DES, "37ae5ebf46dff2dc0754b94f31cbb3855e7fd36dc870bfae", "3d1de3cc132e3b65",
	  "84401f78fe6c10876d8ea23094ea5309", "7b1f7c7e3b1c948ebd04a75ffba7d2f5" },
	{ CIPHER_BLOWFISH, "0123456789ABCDEFF0E1D2C3B4A59687", "FEDCBA9876543210",
	  "37363534333231204E6F77206973207468652074696D6520666F722000000000",
	  "6B77B4D63006DEE605B156E27403979358DEB9E7154616D959F1652BD5FF92CC" },
	{ CIPHER_CAST, "0123456712345678234567893456789A", "0000000000000000",
	  "0123456789ABCDEF", "238B4FE5847E44B2" },
	{ CIPHER_CAST, "01234567123456782345", "0000000000000000",
	  "0123456789ABCDEF", "EB6A711A2C02271B" },
	{ CIPHER_CAST, "0123456712", "0000000000000000", "0123456789ABCDEF", "7AC816D16E9B302E" },
};

START_TEST(test_cipher_kat)
{
	struct crypto_err err;
	size_t i = (size_t)_i;
	chunk_t key = test_hex(cipher_kat[i].key), iv = test_hex(cipher_kat[i].iv);
	chunk_t pt = test_hex(cipher_kat[i].plain), out, back;
	chunk_t iv2 = chunk_dup(iv.ptr, iv.len);
	ck_assert_msg(cipher_encrypt(cipher_kat[i].alg, key, iv, pt, &out, CIPHER_WEAK_REJECT, &err),
		      "vector %zu: %s", i, err.msg);
	test_expect_hex(out, cipher_kat[i].cipher, cipher_get(cipher_kat[i].alg)->name);
	/* The IV buffer now holds the last ciphertext block. */
	ck_assert(memcmp(iv.ptr, out.ptr + out.len - iv.len, iv.len) == 0);
	ck_assert(cipher_decrypt(cipher_kat[i].alg, key, iv2, out, &back, CIPHER_WEAK_REJECT, &err));
	ck_assert(chunk_eq(back, pt));
	ck_assert(chunk_eq(iv, iv2));
	chunk_t all[] = { key, iv, pt, out, back, iv2 };
	for (size_t a = 0; a < 6; a++)
		chunk_free(&all[a]);
}
END_TEST

/* Every cipher, every allowed key length: a round trip over three blocks. */
START_TEST(test_cipher_roundtrip)
{
	struct crypto_err err;
	unsigned runs = 0;
	for (size_t c = 0; c < cipher_count(); c++) {
		const struct cipher_info *ci = cipher_at(c);
		uint16_t step = ci->key_step ? ci->key_step : 1;
		for (uint16_t bits = ci->key_min; bits <= ci->key_max; bits += step) {
			chunk_t key = chunk_alloc(bits / 8), iv = chunk_alloc(ci->block);
			chunk_t pt = chunk_alloc(3 * ci->block), ct, back;
			ck_assert(RAND_bytes(key.ptr, (int)key.len) == 1);
			ck_assert(RAND_bytes(iv.ptr, (int)iv.len) == 1);
			ck_assert(RAND_bytes(pt.ptr, (int)pt.len) == 1);
			chunk_t iv2 = chunk_dup(iv.ptr, iv.len);
			ck_assert_msg(cipher_encrypt(ci->id, key, iv, pt, &ct, CIPHER_WEAK_ALLOW, &err),
				      "%s/%u: %s", ci->name, bits, err.msg);
			ck_assert(!chunk_eq(ct, pt));
			ck_assert_msg(cipher_decrypt(ci->id, key, iv2, ct, &back, CIPHER_WEAK_ALLOW, &err),
				      "%s/%u: %s", ci->name, bits, err.msg);
			ck_assert_msg(chunk_eq(back, pt), "%s/%u round trip", ci->name, bits);
			ck_assert(chunk_eq(iv, iv2));
			chunk_t all[] = { key, iv, pt, ct, back, iv2 };
			for (size_t a = 0; a < 6; a++)
				chunk_free(&all[a]);
			runs++;
			if (bits == ci->key_max)
				break;
		}
		/* Partial blocks, bad IV and key lengths are errors. */
		chunk_t key = chunk_alloc(ci->key_default ? ci->key_default / 8 : 16);
		chunk_t iv = chunk_alloc(ci->block), odd = chunk_alloc(ci->block + 1), o;
		key.ptr[0] = 0x5a;  /* not a weak DES key */
		key.ptr[8 % key.len] ^= 0x33;
		ck_assert(!cipher_encrypt(ci->id, key, iv, odd, &o, CIPHER_WEAK_ALLOW, &err));
		ck_assert(strstr(err.msg, "not a multiple"));
		ck_assert(!cipher_decrypt(ci->id, key, CHUNK_FROM(iv.ptr, iv.len - 1), iv, &o,
					  CIPHER_WEAK_ALLOW, &err));
		ck_assert(strstr(err.msg, "IV must be"));
		ck_assert(!cipher_encrypt(ci->id, CHUNK_FROM(key.ptr, 3), iv, iv, &o,
					  CIPHER_WEAK_ALLOW, &err));
		chunk_free(&key);
		chunk_free(&iv);
		chunk_free(&odd);
	}
	ck_assert_uint_eq(runs, 1 + 52 + 1 + 12 + 3 + 3);
}
END_TEST

START_TEST(test_cipher_padding)
{
	struct crypto_err err;
	uint8_t b[40];
	memset(b, 0x41, sizeof(b));
	for (size_t len = 0; len <= 33; len++) {
		chunk_t z = cipher_pad(CHUNK_FROM(b, len), 16, CIPHER_PAD_ZERO);
		ck_assert_uint_eq(z.len, (len + 15) / 16 * 16);
		for (size_t i = len; i < z.len; i++)
			ck_assert_uint_eq(z.ptr[i], 0);
		size_t got;
		ck_assert(cipher_unpad(z, 16, CIPHER_PAD_ZERO, &got, &err) && got == z.len);
		chunk_free(&z);
		chunk_t c = cipher_pad(CHUNK_FROM(b, len), 8, CIPHER_PAD_COUNT);
		ck_assert_uint_eq(c.len, (len / 8 + 1) * 8);  /* always padded */
		ck_assert_uint_eq(c.ptr[c.len - 1], c.len - len - 1);
		ck_assert(cipher_unpad(c, 8, CIPHER_PAD_COUNT, &got, &err));
		ck_assert_uint_eq(got, len);
		chunk_free(&c);
	}
	/* A count that does not fit, or non-zero filler, is refused. */
	chunk_t bad = test_hex("41414141414141ff");
	size_t got;
	ck_assert(!cipher_unpad(bad, 8, CIPHER_PAD_COUNT, &got, &err));
	ck_assert(strstr(err.msg, "does not fit"));
	chunk_free(&bad);
	bad = test_hex("4141414141410102");
	ck_assert(!cipher_unpad(bad, 8, CIPHER_PAD_COUNT, &got, &err));
	ck_assert(strstr(err.msg, "not 0x00"));
	chunk_free(&bad);
	ck_assert(!cipher_unpad(CHUNK_FROM(b, 7), 8, CIPHER_PAD_COUNT, &got, &err));
	/* Whole messages: pad + encrypt, decrypt + strip. */
	chunk_t key = test_hex("000102030405060708090a0b0c0d0e0f"), iv = chunk_alloc(16);
	chunk_t iv2 = chunk_alloc(16), ct, pt;
	ck_assert(cipher_encrypt_msg(CIPHER_AES, key, iv, CHUNK_FROM(b, 21), CIPHER_PAD_COUNT, &ct, &err));
	ck_assert_uint_eq(ct.len, 32);
	ck_assert(cipher_decrypt_msg(CIPHER_AES, key, iv2, ct, CIPHER_PAD_COUNT, &pt, &err));
	ck_assert(chunk_eq(pt, CHUNK_FROM(b, 21)));
	chunk_free(&pt);
	chunk_free(&ct);
	chunk_free(&key);
	chunk_free(&iv);
	chunk_free(&iv2);
}
END_TEST

/* The IV chain: two messages encrypted in turn equal one CBC stream over
 * both, and the decrypting side follows the same IVs. */
START_TEST(test_iv_chain)
{
	struct crypto_err err;
	chunk_t key = test_hex("0123456789abcdef0123456789abcdef"), iv0 = test_hex("f0e0d0c0b0a090807060504030201000");
	uint8_t m[64];
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	chunk_t iv = chunk_dup(iv0.ptr, 16), c1, c2, all;
	ck_assert(cipher_encrypt(CIPHER_AES, key, iv, CHUNK_FROM(m, 32), &c1, CIPHER_WEAK_REJECT, &err));
	ck_assert(cipher_encrypt(CIPHER_AES, key, iv, CHUNK_FROM(m + 32, 32), &c2, CIPHER_WEAK_REJECT, &err));
	chunk_t ivs = chunk_dup(iv0.ptr, 16);
	ck_assert(cipher_encrypt(CIPHER_AES, key, ivs, CHUNK_FROM(m, 64), &all, CIPHER_WEAK_REJECT, &err));
	ck_assert(memcmp(all.ptr, c1.ptr, 32) == 0 && memcmp(all.ptr + 32, c2.ptr, 32) == 0);
	ck_assert(chunk_eq(iv, ivs));
	/* Receiver: decrypt message 1, its IV becomes c1's last block. */
	chunk_t riv = chunk_dup(iv0.ptr, 16), p1, p2;
	ck_assert(cipher_decrypt(CIPHER_AES, key, riv, c1, &p1, CIPHER_WEAK_REJECT, &err));
	ck_assert(memcmp(riv.ptr, c1.ptr + 16, 16) == 0);
	ck_assert(cipher_decrypt(CIPHER_AES, key, riv, c2, &p2, CIPHER_WEAK_REJECT, &err));
	ck_assert(memcmp(p1.ptr, m, 32) == 0 && memcmp(p2.ptr, m + 32, 32) == 0);
	/* Quick Mode starts from hash(last phase-1 block | M-ID), not from the chain. */
	chunk_t qiv;
	ck_assert(keys_iv_msgid(PRF_SHA1, CHUNK_FROM(c2.ptr + 16, 16), 0x01020304, 16, &qiv, &err));
	ck_assert(!chunk_eq(qiv, iv));
	chunk_t parts[] = { CHUNK_FROM(c2.ptr + 16, 16), test_hex("01020304") }, h;
	ck_assert(prf_hashv(PRF_SHA1, 2, parts, &h, &err));
	ck_assert(memcmp(h.ptr, qiv.ptr, 16) == 0);
	chunk_t fr[] = { key, iv0, iv, c1, c2, all, ivs, riv, p1, p2, qiv, parts[1], h };
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++)
		chunk_free(&fr[i]);
}
END_TEST

START_TEST(test_weak_keys)
{
	struct crypto_err err;
	chunk_t weak = test_hex("0101010101010101"), semi = test_hex("01FE01FE01FE01FE");
	chunk_t noparity = test_hex("0000000000000000");  /* = 0101... without parity bits */
	chunk_t good = test_hex("133457799BBCDFF1"), iv = chunk_alloc(8), blk = chunk_alloc(8), o;
	ck_assert_ptr_nonnull(cipher_key_weak(CIPHER_DES, weak));
	ck_assert(strstr(cipher_key_weak(CIPHER_DES, semi), "semi-weak"));
	ck_assert_ptr_nonnull(cipher_key_weak(CIPHER_DES, noparity));
	ck_assert_ptr_null(cipher_key_weak(CIPHER_DES, good));
	ck_assert(!cipher_encrypt(CIPHER_DES, weak, iv, blk, &o, CIPHER_WEAK_REJECT, &err));
	ck_assert(strstr(err.msg, "weak"));
	ck_assert(cipher_encrypt(CIPHER_DES, weak, iv, blk, &o, CIPHER_WEAK_ALLOW, &err));
	chunk_free(&o);
	ck_assert(cipher_encrypt(CIPHER_DES, good, iv, blk, &o, CIPHER_WEAK_REJECT, &err));
	chunk_free(&o);
	/* 3DES: K1 = K2 is single DES; a weak third key; a good triple. */
	chunk_t k12 = test_hex("133457799BBCDFF1133457799BBCDFF10123456789ABCDEF");
	chunk_t k3w = test_hex("133457799BBCDFF10123456789ABCDEFFEFEFEFEFEFEFEFE");
	chunk_t k3 = test_hex("133457799BBCDFF10123456789ABCDEF23456789ABCDEF01");
	ck_assert(strstr(cipher_key_weak(CIPHER_3DES, k12), "K1 = K2"));
	ck_assert(strstr(cipher_key_weak(CIPHER_3DES, k3w), "third"));
	ck_assert_ptr_null(cipher_key_weak(CIPHER_3DES, k3));
	ck_assert(!cipher_encrypt(CIPHER_3DES, k12, iv, blk, &o, CIPHER_WEAK_REJECT, &err));
	ck_assert_ptr_null(cipher_key_weak(CIPHER_AES, k3));
	chunk_t fr[] = { weak, semi, noparity, good, iv, blk, k12, k3w, k3 };
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++)
		chunk_free(&fr[i]);
}
END_TEST

/* ---- Wireshark's ikev1-certs.pcap: decrypt Main Mode messages 5 and 6 -- */

/* The ISAKMP messages of a pcap (Ethernet, IPv4, UDP), by hand. */
static size_t pcap_isakmp(const chunk_t file, chunk_t *msgs, size_t max)
{
	struct reader r = reader_init(file.ptr, file.len);
	const uint8_t *p;
	ck_assert(reader_bytes(&r, 24, &p));
	ck_assert(p[0] == 0xd4 && p[1] == 0xc3);  /* little-endian pcap, Ethernet */
	size_t n = 0;
	while (n < max && reader_left(&r) >= 16) {
		ck_assert(reader_bytes(&r, 16, &p));
		uint32_t incl = (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 |
				(uint32_t)p[11] << 24;
		ck_assert(reader_bytes(&r, incl, &p));
		ck_assert(incl > 14 + 20 + 8 && p[12] == 0x08 && p[13] == 0x00);
		size_t ihl = (size_t)(p[14] & 15) * 4;
		ck_assert(p[14 + 9] == 17);  /* UDP */
		size_t udp = 14 + ihl;
		size_t ulen = (size_t)p[udp + 4] << 8 | p[udp + 5];
		ck_assert(udp + ulen <= incl && ulen >= 8);
		msgs[n++] = CHUNK_FROM(p + udp + 8, ulen - 8);
	}
	return n;
}

/* The data of the first payload of a message when it is a KE payload. */
static chunk_t isakmp_ke(chunk_t msg)
{
	ck_assert(msg.len > 28 + 4 && msg.ptr[16] == 4);  /* first payload: KE */
	size_t plen = (size_t)msg.ptr[30] << 8 | msg.ptr[31];
	ck_assert(plen > 4 && 28 + plen <= msg.len);
	return CHUNK_FROM(msg.ptr + 32, plen - 4);
}

START_TEST(test_wireshark_decrypt)
{
	const char *path = test_vector_path("pcaps/ikev1-certs.pcap");
	if (!path) {
		test_skip("crypto: Wireshark ikev1-certs.pcap", "../shared/vectors is absent");
		return;
	}
	FILE *f = fopen(path, "rb");
	ck_assert(f);
	struct writer w;
	writer_init(&w);
	uint8_t buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		writer_bytes(&w, buf, got);
	fclose(f);
	chunk_t file = writer_take(&w);
	chunk_t msgs[16];
	size_t n = pcap_isakmp(file, msgs, 16);
	ck_assert_uint_ge(n, 6);
	/* Key from wireshark_ikev1_decryption_table.txt (cookie fafaeb49382a763c). */
	chunk_t key = test_hex("735be0cb62f82675c4f7bf8fbab9b56834ba76d6ab4fa240");
	ck_assert(memcmp(msgs[4].ptr, "\xfa\xfa\xeb\x49\x38\x2a\x76\x3c", 8) == 0);
	struct crypto_err err;
	chunk_t iv;
	ck_assert(keys_iv_phase1(PRF_MD5, isakmp_ke(msgs[2]), isakmp_ke(msgs[3]), 8, &iv, &err));
	unsigned payloads = 0;
	bool openswan = false;
	for (int m = 4; m <= 5; m++) {
		chunk_t msg = msgs[m];
		ck_assert_uint_eq(msg.ptr[16], 5);      /* header next payload: ID */
		ck_assert_uint_eq(msg.ptr[19] & 1, 1);  /* encrypted */
		chunk_t ct = CHUNK_FROM(msg.ptr + 28, msg.len - 28), pt;
		ck_assert_msg(cipher_decrypt(CIPHER_3DES, key, iv, ct, &pt, CIPHER_WEAK_REJECT, &err),
			      "message %d: %s", m + 1, err.msg);
		/* The IV for message 6 is the last block of message 5. */
		ck_assert(memcmp(iv.ptr, ct.ptr + ct.len - 8, 8) == 0);
		/* Walk the payload chain: it must be well formed and start with an ID
		 * payload whose type is a known ID type. */
		ck_assert_uint_ge(pt.ptr[4], 1);
		ck_assert_uint_le(pt.ptr[4], 12);
		size_t off = 0;
		uint8_t next = 5;
		while (next != 0) {
			ck_assert_msg(off + 4 <= pt.len, "message %d: payload chain runs off the end", m + 1);
			size_t plen = (size_t)pt.ptr[off + 2] << 8 | pt.ptr[off + 3];
			ck_assert_msg(plen >= 4 && off + plen <= pt.len, "message %d: bad payload length", m + 1);
			next = pt.ptr[off];
			off += plen;
			payloads++;
		}
		/* What is left is padding, less than a block. */
		ck_assert_uint_lt(pt.len - off, 8);
		for (size_t i = 0; i + 8 <= pt.len; i++)
			openswan |= memcmp(pt.ptr + i, "OpenSwan", 8) == 0;
		chunk_free(&pt);
	}
	ck_assert_msg(openswan, "the certificates should name OpenSwan");
	test_report("crypto: Wireshark ikev1-certs.pcap: Main Mode messages 5 and 6 decrypted "
		    "(3DES, IV = MD5(g^xi | g^xr)[0:8] then chained), %u payloads walked", payloads);
	chunk_free(&iv);
	chunk_free(&key);
	chunk_free(&file);
}
END_TEST

/* A seeded stream gives the same bytes and the same DH keys (OpenSSL draws
 * the private values itself) for the same seed and name, others for
 * another, and unseeding brings OpenSSL's own generator back. */
static const uint16_t rand_groups[] = { 1, 2, 3, 14, 19, 26 };

static chunk_t rand_draw(uint64_t seed, const char *name, uint16_t group)
{
	ck_assert(crypto_rand_seed_for(seed, name));
	ck_assert(crypto_rand_seeded());
	unsigned char b[40];
	ck_assert_int_eq(RAND_bytes(b, sizeof(b)), 1);
	struct crypto_err err;
	struct dh_key *k = dh_key_new(group, &err);
	ck_assert_msg(k, "group %u: %s", group, err.msg);
	chunk_t pub = dh_key_public(k);
	chunk_t parts[2] = { CHUNK_FROM(b, sizeof(b)), pub };
	chunk_t out = chunk_cat(2, parts);
	dh_key_free(k);
	crypto_rand_unseed();
	return out;
}

START_TEST(test_rand_seeded)
{
	uint16_t g = rand_groups[_i];
	chunk_t a = rand_draw(42, "hagle@self/case", g), b = rand_draw(42, "hagle@self/case", g);
	chunk_t c = rand_draw(43, "hagle@self/case", g), d = rand_draw(42, "hagle@self/other", g);
	ck_assert_msg(chunk_eq(a, b), "group %u: the same seed gave other bytes", g);
	ck_assert(!chunk_eq(a, c));
	ck_assert(!chunk_eq(a, d));
	ck_assert(!crypto_rand_seeded());
	unsigned char x[16], y[16];
	ck_assert_int_eq(RAND_bytes(x, sizeof(x)), 1);
	ck_assert_int_eq(RAND_bytes(y, sizeof(y)), 1);
	ck_assert(memcmp(x, y, sizeof(x)) != 0);
	ck_assert(memcmp(x, a.ptr, sizeof(x)) != 0);
	chunk_free(&a);
	chunk_free(&b);
	chunk_free(&c);
	chunk_free(&d);
}
END_TEST

Suite *suite_crypto(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("dh");
	tcase_set_timeout(tc, 300);  /* group 18 and the EC2N groups take a moment */
	tcase_add_loop_test(tc, test_dh_agree, 0, (int)dh_group_count());
	tcase_add_test(tc, test_dh_bad_modp);
	tcase_add_test(tc, test_dh_bad_ec);
	tcase_add_test(tc, test_dh_known_private);
	tcase_add_test(tc, test_dh_ec2n_draft);
	tcase_add_test(tc, test_dh_table);
	tcase_add_loop_test(tc, test_rand_seeded, 0,
			    (int)(sizeof(rand_groups) / sizeof(rand_groups[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("prf");
	tcase_add_test(tc, test_prf_kat);
	tcase_add_test(tc, test_keys_formulas);
	tcase_add_test(tc, test_appb_lengths);
	suite_add_tcase(s, tc);
	tc = tcase_create("cipher");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cipher_table);
	tcase_add_loop_test(tc, test_cipher_kat, 0, (int)(sizeof(cipher_kat) / sizeof(cipher_kat[0])));
	tcase_add_test(tc, test_cipher_roundtrip);
	tcase_add_test(tc, test_cipher_padding);
	tcase_add_test(tc, test_iv_chain);
	tcase_add_test(tc, test_weak_keys);
	tcase_add_test(tc, test_wireshark_decrypt);
	suite_add_tcase(s, tc);
	return s;
}
