/* rules: which payloads each IKEv1 message carries. */
#include <string.h>

#include "tests.h"
#include "wire/msg.h"
#include "wire/rules.h"

enum { E = WIRE_F_ENC, C = WIRE_F_COMMIT };

/* A message with minimal but valid payloads of the given types, built and
 * parsed back (decrypted, for encrypted ones) so offsets are real. */
static struct wire_msg *make_msg(uint8_t exchange, uint8_t flags, const uint8_t *types)
{
	static const uint8_t bytes[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					   17, 18, 19, 20 };
	struct wire_msg *m = wire_msg_new();
	memset(m->hdr.icookie, 0x42, 8);
	m->hdr.exchange = exchange;
	m->hdr.flags = flags;
	m->hdr.msgid = exchange == WIRE_X_MAIN || exchange == WIRE_X_AGGR ? 0 : 0x11223344;
	for (const uint8_t *t = types; *t; t++) {
		switch (*t) {
		case WIRE_PL_SA: {
			bool p1 = exchange != WIRE_X_QUICK;
			struct wire_node *sa = wire_add_sa(m, 1, 1);
			struct wire_node *p = wire_add_proposal(m, sa, 1, p1 ? 1 : 3, bytes, p1 ? 0 : 4);
			struct wire_node *x = wire_add_transform(m, p, 1, p1 ? 1 : 12);
			wire_attr_tv(m, x, 1, p1 ? 7 : 1);
			break;
		}
		case WIRE_PL_ID:
			wire_add_id(m, 1, 0, 0, bytes, 4);
			break;
		case WIRE_PL_CERT: case WIRE_PL_CR:
			wire_add_typed(m, *t, 4, bytes, 16);
			break;
		case WIRE_PL_N:
			wire_add_notify(m, 1, 1, exchange == WIRE_X_QUICK ? WIRE_N_CONNECTED
					: WIRE_N_INITIAL_CONTACT, bytes, 16, NULL, 0);
			break;
		case WIRE_PL_D:
			wire_add_delete(m, 1, 3, 4, bytes, 1);
			break;
		case WIRE_PL_NATOA:
			wire_add_typed(m, *t, 1, bytes, 4);
			break;
		default:
			wire_add_data(m, *t, bytes, 20);
			break;
		}
	}
	chunk_t c = wire_build(m);
	struct wire_msg *q;
	struct wire_err e;
	ck_assert_msg(wire_parse(c.ptr, c.len, &q, &e), "%s", e.msg);
	if (flags & E) {
		chunk_t pl = wire_build_payloads(m);
		ck_assert_msg(wire_parse_plain(q, pl.ptr, pl.len, &e), "%s", e.msg);
		chunk_free(&pl);
	}
	ck_assert_msg(wire_validate(q, WIRE_V_STRICT, &e), "%s", e.msg);
	chunk_free(&c);
	wire_msg_free(m);
	return q;
}

#define SA WIRE_PL_SA
#define KE WIRE_PL_KE
#define ID WIRE_PL_ID
#define CERT WIRE_PL_CERT
#define CR WIRE_PL_CR
#define HASH WIRE_PL_HASH
#define SIG WIRE_PL_SIG
#define NONCE WIRE_PL_NONCE
#define N WIRE_PL_N
#define D WIRE_PL_D
#define VID WIRE_PL_VID
#define NATD WIRE_PL_NATD
#define NATDD WIRE_PL_NATD_DRAFT
#define NATOA WIRE_PL_NATOA
#define PSK RULES_AUTH_PSK
#define RSA RULES_AUTH_SIG
#define ANY RULES_AUTH_ANY

static const struct {
	const char *rule;
	enum rules_auth auth;
	uint8_t exchange, flags;
	uint8_t types[12];
} good[] = {
	{ "mm1", ANY, WIRE_X_MAIN, 0, { SA, VID } },
	{ "mm2", ANY, WIRE_X_MAIN, 0, { SA, VID, VID } },
	{ "mm3", ANY, WIRE_X_MAIN, 0, { KE, NONCE, NATD, NATD } },
	{ "mm4", ANY, WIRE_X_MAIN, 0, { KE, NONCE, CR, NATDD, NATDD, VID } },
	{ "mm5", PSK, WIRE_X_MAIN, E, { ID, HASH, N } },
	{ "mm5", RSA, WIRE_X_MAIN, E, { ID, CERT, SIG, CR } },
	{ "mm6", PSK, WIRE_X_MAIN, E, { ID, HASH } },
	{ "mm6", RSA, WIRE_X_MAIN, E, { ID, CERT, SIG } },
	{ "am1", ANY, WIRE_X_AGGR, 0, { SA, KE, NONCE, ID, VID } },
	{ "am2", PSK, WIRE_X_AGGR, 0, { SA, KE, NONCE, ID, HASH, NATD, NATD, VID } },
	{ "am2", RSA, WIRE_X_AGGR, 0, { SA, KE, NONCE, ID, CERT, SIG } },
	{ "am3", PSK, WIRE_X_AGGR, 0, { HASH, NATD, NATD } },
	{ "am3", PSK, WIRE_X_AGGR, E, { HASH } },
	{ "am3", RSA, WIRE_X_AGGR, E, { CERT, SIG } },
	{ "qm1", ANY, WIRE_X_QUICK, E, { HASH, SA, NONCE, KE, ID, ID } },
	{ "qm1", ANY, WIRE_X_QUICK, E, { HASH, SA, NONCE } },
	{ "qm2", ANY, WIRE_X_QUICK, E, { HASH, SA, NONCE, ID, ID, NATOA, NATOA } },
	{ "qm3", ANY, WIRE_X_QUICK, E, { HASH } },
	{ "qm4", ANY, WIRE_X_QUICK, E | C, { HASH, N } },
	{ "info", ANY, WIRE_X_INFO, E, { HASH, N } },
	{ "info", ANY, WIRE_X_INFO, E, { HASH, D, D } },
	{ "info-plain", ANY, WIRE_X_INFO, 0, { N } },
};

START_TEST(test_standard_messages_pass)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct rules_msg *r = rules_find(good[i].rule, good[i].auth);
		ck_assert_msg(r, "no rule %s", good[i].rule);
		struct wire_msg *m = make_msg(good[i].exchange, good[i].flags, good[i].types);
		struct wire_err e;
		ck_assert_msg(rules_check(r, m, &e), "%s #%zu: %s", good[i].rule, i, e.msg);
		wire_msg_free(m);
	}
}
END_TEST

static const struct {
	const char *rule;
	enum rules_auth auth;
	uint8_t exchange, flags;
	uint8_t types[12];
	uint16_t notify;
	const char *payload;
	const char *says;
	size_t offset;        /* 0: not checked */
} bad[] = {
	{ "mm1", ANY, WIRE_X_MAIN, 0, { VID }, WIRE_N_PAYLOAD_MALFORMED, "SA", "SA payload missing from Main Mode message 1", 0 },
	{ "mm1", ANY, WIRE_X_MAIN, 0, { SA, SA }, WIRE_N_PAYLOAD_MALFORMED, "SA", "2 SA payloads in Main Mode message 1, at most 1", 60 },
	{ "mm1", ANY, WIRE_X_MAIN, 0, { SA, KE }, WIRE_N_INVALID_PAYLOAD_TYPE, "KE", "KE payload is not allowed in Main Mode message 1", 60 },
	{ "mm1", ANY, WIRE_X_MAIN, E, { SA }, WIRE_N_INVALID_FLAGS, "header", "must not be encrypted", 19 },
	{ "mm1", ANY, WIRE_X_AGGR, 0, { SA }, WIRE_N_INVALID_EXCHANGE_TYPE, "header", "exchange type 4", 18 },
	{ "mm3", ANY, WIRE_X_MAIN, 0, { KE }, WIRE_N_PAYLOAD_MALFORMED, "NONCE", "NONCE payload missing", 0 },
	{ "mm5", PSK, WIRE_X_MAIN, 0, { ID, HASH }, WIRE_N_INVALID_FLAGS, "header", "Main Mode message 5 must be encrypted", 19 },
	{ "mm5", PSK, WIRE_X_MAIN, E, { ID, SIG }, WIRE_N_INVALID_PAYLOAD_TYPE, "SIG", "not allowed", 0 },
	{ "mm5", RSA, WIRE_X_MAIN, E, { ID, CERT }, WIRE_N_PAYLOAD_MALFORMED, "SIG", "SIG payload missing", 0 },
	{ "mm6", PSK, WIRE_X_MAIN, E, { ID, ID, HASH }, WIRE_N_PAYLOAD_MALFORMED, "ID", "at most 1", 40 },
	{ "am1", ANY, WIRE_X_AGGR, 0, { SA, KE, NONCE }, WIRE_N_PAYLOAD_MALFORMED, "ID", "ID payload missing", 0 },
	{ "am2", PSK, WIRE_X_AGGR, 0, { SA, KE, KE, NONCE, ID, HASH }, WIRE_N_PAYLOAD_MALFORMED, "KE", "2 KE payloads", 0 },
	{ "am2", PSK, WIRE_X_AGGR, 0, { SA, KE, NONCE, ID }, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "ISAKMP message: HASH payload missing", 0 },
	{ "qm1", ANY, WIRE_X_QUICK, E, { SA, HASH, NONCE }, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "HASH must be the first payload of Quick Mode message 1", 0 },
	{ "qm1", ANY, WIRE_X_QUICK, E, { SA, NONCE }, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "has no HASH payload", 0 },
	{ "qm1", ANY, WIRE_X_QUICK, E, { HASH, SA, NONCE, ID }, WIRE_N_PAYLOAD_MALFORMED, "ID", "needs 0 or 2", 0 },
	{ "qm1", ANY, WIRE_X_QUICK, E, { HASH, SA }, WIRE_N_PAYLOAD_MALFORMED, "NONCE", "NONCE payload missing", 0 },
	{ "qm1", ANY, WIRE_X_QUICK, 0, { HASH, SA, NONCE }, WIRE_N_INVALID_FLAGS, "header", "must be encrypted", 19 },
	{ "qm2", ANY, WIRE_X_QUICK, E, { HASH, SA, SA, NONCE }, WIRE_N_PAYLOAD_MALFORMED, "SA", "at most 1", 0 },
	{ "qm3", ANY, WIRE_X_QUICK, E, { HASH, NONCE }, WIRE_N_INVALID_PAYLOAD_TYPE, "NONCE", "not allowed in Quick Mode message 3", 52 },
	{ "qm4", ANY, WIRE_X_QUICK, E, { HASH, N }, WIRE_N_INVALID_FLAGS, "header", "commit flag", 19 },
	{ "info", ANY, WIRE_X_INFO, E, { N, HASH }, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "first payload", 0 },
	{ "info", ANY, WIRE_X_INFO, E, { HASH }, WIRE_N_PAYLOAD_MALFORMED, "N", "neither a Notification nor a Delete", 0 },
	{ "info", ANY, WIRE_X_INFO, 0, { HASH, N }, WIRE_N_INVALID_FLAGS, "header", "must be encrypted", 19 },
	{ "info-plain", ANY, WIRE_X_INFO, 0, { HASH, N }, WIRE_N_INVALID_PAYLOAD_TYPE, "HASH", "not allowed", 28 },
};

START_TEST(test_violations_fail)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct rules_msg *r = rules_find(bad[i].rule, bad[i].auth);
		ck_assert_msg(r, "no rule %s", bad[i].rule);
		struct wire_msg *m = make_msg(bad[i].exchange, bad[i].flags, bad[i].types);
		struct wire_err e;
		ck_assert_msg(!rules_check(r, m, &e), "%s #%zu passed", bad[i].rule, i);
		ck_assert_msg(e.notify == bad[i].notify, "%s #%zu: notify %u (%s)", bad[i].rule, i,
			      e.notify, e.msg);
		ck_assert_msg(strcmp(e.payload, bad[i].payload) == 0, "%s #%zu: payload %s (%s)",
			      bad[i].rule, i, e.payload, e.msg);
		ck_assert_msg(strstr(e.msg, bad[i].says), "%s #%zu: %s", bad[i].rule, i, e.msg);
		if (bad[i].offset)
			ck_assert_msg(e.offset == bad[i].offset, "%s #%zu: offset %zu (%s)",
				      bad[i].rule, i, e.offset, e.msg);
		wire_msg_free(m);
	}
	test_report("rules: %zu standard messages pass, %zu violations caught",
		    sizeof(good) / sizeof(good[0]), sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(test_lookup)
{
	static const char *const names[] = { "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "am1",
					     "am2", "am3", "qm1", "qm2", "qm3", "qm4", "info",
					     "info-plain" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(rules_find(names[i], ANY), "%s", names[i]);
	ck_assert_ptr_null(rules_find("mm7", ANY));
	ck_assert_int_eq(rules_find("mm5", PSK)->auth, PSK);
	ck_assert_int_eq(rules_find("mm5", RSA)->auth, RSA);
	ck_assert_ptr_eq(rules_get(WIRE_X_MAIN, 5, RSA), rules_find("mm5", RSA));
	ck_assert_ptr_eq(rules_get(WIRE_X_QUICK, 4, ANY), rules_find("qm4", ANY));
	ck_assert_ptr_null(rules_get(WIRE_X_QUICK, 5, ANY));
	ck_assert_uint_ge(rules_count(), 15);
	ck_assert_ptr_null(rules_at(rules_count()));
	for (size_t i = 0; i < rules_count(); i++) {
		const struct rules_msg *r = rules_at(i);
		ck_assert(r->items[0].payload != 0);
		if (r->exchange == WIRE_X_QUICK || !strcmp(r->name, "info"))
			ck_assert_msg(r->hash_first && r->enc == RULES_ENC, "%s", r->name);
	}
}
END_TEST

Suite *suite_rules(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, test_standard_messages_pass);
	tcase_add_test(tc, test_violations_fail);
	tcase_add_test(tc, test_lookup);
	suite_add_tcase(s, tc);
	return s;
}
