/* crypto: DH groups, PRF, key derivation, ciphers, IVs, hashes. */
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "tests.h"

static chunk_t hx(const char *s)
{
	chunk_t c;
	ck_assert_msg(hex_decode(s, strlen(s), &c), "bad hex: %.40s", s);
	return c;
}

static __attribute__((unused)) void expect_hex(chunk_t got, const char *want_hex, const char *what)
{
	chunk_t want = hx(want_hex);
	if (!chunk_eq(got, want)) {
		char *g = hex_string(got.ptr, got.len);
		ck_abort_msg("%s: got %s want %s", what, g, want_hex);
	}
	chunk_free(&want);
}

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

Suite *suite_crypto(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("dh");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_dh_agree, 0, (int)dh_group_count());
	suite_add_tcase(s, tc);
	return s;
}
