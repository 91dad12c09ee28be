/* names: one table for every IKEv1 constant. */
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "wire/names.h"

static const struct {
	enum names_space space;
	uint32_t value;
	const char *name;
} core_names[] = {
	{ NAMES_EXCHANGE, 2, "Identity Protection (Main Mode)" },
	{ NAMES_EXCHANGE, 4, "Aggressive" },
	{ NAMES_EXCHANGE, 5, "Informational" },
	{ NAMES_EXCHANGE, 32, "Quick Mode" },
	{ NAMES_EXCHANGE, 33, "New Group Mode" },
	{ NAMES_PAYLOAD, 1, "Security Association" },
	{ NAMES_PAYLOAD, 4, "Key Exchange" },
	{ NAMES_PAYLOAD, 11, "Notification" },
	{ NAMES_PAYLOAD, 13, "Vendor ID" },
	{ NAMES_PAYLOAD, 20, "NAT-D" },
	{ NAMES_PAYLOAD, 21, "NAT-OA" },
	{ NAMES_PAYLOAD, 130, "NAT-D (draft)" },
	{ NAMES_PAYLOAD, 131, "NAT-OA (draft)" },
	{ NAMES_NOTIFY, 1, "INVALID-PAYLOAD-TYPE" },
	{ NAMES_NOTIFY, 5, "INVALID-MAJOR-VERSION" },
	{ NAMES_NOTIFY, 14, "NO-PROPOSAL-CHOSEN" },
	{ NAMES_NOTIFY, 16, "PAYLOAD-MALFORMED" },
	{ NAMES_NOTIFY, 30, "UNEQUAL-PAYLOAD-LENGTHS" },
	{ NAMES_NOTIFY, 16384, "CONNECTED" },
	{ NAMES_NOTIFY, 24576, "RESPONDER-LIFETIME" },
	{ NAMES_NOTIFY, 24577, "REPLAY-STATUS" },
	{ NAMES_NOTIFY, 24578, "INITIAL-CONTACT" },
	{ NAMES_NOTIFY, 36136, "R-U-THERE" },
	{ NAMES_NOTIFY, 36137, "R-U-THERE-ACK" },
	{ NAMES_P1_ATTR, 1, "Encryption Algorithm" },
	{ NAMES_P1_ATTR, 12, "Life Duration" },
	{ NAMES_P1_ATTR, 14, "Key Length" },
	{ NAMES_P1_ENCR, 5, "3DES-CBC" },
	{ NAMES_P1_ENCR, 7, "AES-CBC" },
	{ NAMES_P1_HASH, 2, "SHA" },
	{ NAMES_P1_HASH, 6, "SHA2-512" },
	{ NAMES_P1_AUTH, 1, "Pre-Shared Key" },
	{ NAMES_P1_AUTH, 3, "RSA Signatures" },
	{ NAMES_P1_AUTH, 64221, "HybridInitRSA" },
	{ NAMES_P1_AUTH, 65001, "XAUTHInitPreShared" },
	{ NAMES_P1_AUTH, 65010, "XAUTHRespRSARevisedEncryption" },
	{ NAMES_GROUP, 2, "1024-bit MODP" },
	{ NAMES_GROUP, 14, "2048-bit MODP" },
	{ NAMES_GROUP, 19, "256-bit random ECP" },
	{ NAMES_GROUP_TYPE, 1, "MODP" },
	{ NAMES_LIFE_TYPE, 1, "Seconds" },
	{ NAMES_LIFE_TYPE, 2, "Kilobytes" },
	{ NAMES_DOI, 1, "IPSEC" },
	{ NAMES_SITUATION, 1, "SIT_IDENTITY_ONLY" },
	{ NAMES_PROTOCOL, 1, "PROTO_ISAKMP" },
	{ NAMES_PROTOCOL, 3, "PROTO_IPSEC_ESP" },
	{ NAMES_ISAKMP_TRANSFORM, 1, "KEY_IKE" },
	{ NAMES_ESP_TRANSFORM, 3, "ESP_3DES" },
	{ NAMES_ESP_TRANSFORM, 12, "ESP_AES" },
	{ NAMES_AH_TRANSFORM, 2, "AH_MD5" },
	{ NAMES_IPCOMP_TRANSFORM, 2, "IPCOMP_DEFLATE" },
	{ NAMES_IPSEC_ATTR, 4, "Encapsulation Mode" },
	{ NAMES_IPSEC_ATTR, 5, "Authentication Algorithm" },
	{ NAMES_ENCAP_MODE, 1, "Tunnel" },
	{ NAMES_ENCAP_MODE, 3, "UDP-Encapsulated-Tunnel" },
	{ NAMES_ENCAP_MODE, 61443, "UDP-Encapsulated-Tunnel (draft)" },
	{ NAMES_AUTH_ALG, 1, "HMAC-MD5" },
	{ NAMES_AUTH_ALG, 2, "HMAC-SHA" },
	{ NAMES_ID_TYPE, 1, "ID_IPV4_ADDR" },
	{ NAMES_ID_TYPE, 9, "ID_DER_ASN1_DN" },
	{ NAMES_ID_TYPE, 12, "ID_LIST" },
	{ NAMES_CERT_ENCODING, 4, "X.509 Certificate - Signature" },
	{ NAMES_FLAGS, 1, "Encryption" },
	{ NAMES_FLAGS, 2, "Commit" },
	{ NAMES_CFG_TYPE, 1, "ISAKMP_CFG_REQUEST" },
	{ NAMES_CFG_ATTR, 16520, "XAUTH-TYPE" },
};

START_TEST(test_core_values)
{
	for (size_t i = 0; i < sizeof(core_names) / sizeof(core_names[0]); i++) {
		const char *n = names_get(core_names[i].space, core_names[i].value);
		ck_assert_msg(n && strcmp(n, core_names[i].name) == 0, "%s %u: got %s",
			      names_space_name(core_names[i].space), core_names[i].value,
			      n ? n : "NULL");
		uint32_t v;
		ck_assert_msg(names_lookup(core_names[i].space, core_names[i].name, &v) &&
			      v == core_names[i].value, "lookup %s", core_names[i].name);
	}
}
END_TEST

/* Every namespace has entries, every entry is found back by name. */
START_TEST(test_table_consistent)
{
	size_t per[NAMES_COUNT] = { 0 };
	enum names_space s;
	uint32_t v, back;
	const char *name;
	bool alias;
	for (size_t i = 0; names_entry(i, &s, &v, &name, &alias); i++) {
		per[s]++;
		ck_assert_msg(names_lookup(s, name, &back), "%s not found", name);
		if (!alias)
			ck_assert_msg(names_get(s, v) != NULL, "%s", name);
	}
	for (int i = 1; i < NAMES_COUNT; i++)
		ck_assert_msg(per[i] > 0, "namespace %s is empty", names_space_name(i));
}
END_TEST

static const struct {
	enum names_space space;
	const char *in;
	uint32_t want;
} lookups[] = {
	{ NAMES_NOTIFY, "no_proposal_chosen", 14 },
	{ NAMES_NOTIFY, "Initial-Contact", 24578 },
	{ NAMES_NOTIFY, "INITIAL_CONTACT", 24578 },
	{ NAMES_NOTIFY, "r_u_there_ack", 36137 },
	{ NAMES_NOTIFY, "9101", 9101 },
	{ NAMES_EXCHANGE, "main", 2 },
	{ NAMES_EXCHANGE, "aggressive", 4 },
	{ NAMES_EXCHANGE, "quick", 32 },
	{ NAMES_PAYLOAD, "ke", 4 },
	{ NAMES_PAYLOAD, "nat-d", 20 },
	{ NAMES_PAYLOAD, "natoa", 21 },
	{ NAMES_P1_ENCR, "aes", 7 },
	{ NAMES_P1_HASH, "sha1", 2 },
	{ NAMES_P1_AUTH, "psk", 1 },
	{ NAMES_P1_AUTH, "xauthinitpreshared", 65001 },
	{ NAMES_GROUP, "modp1024", 2 },
	{ NAMES_GROUP, "0x0e", 14 },
	{ NAMES_ID_TYPE, "id-ipv4-addr", 1 },
	{ NAMES_PROTOCOL, "esp", 3 },
};

START_TEST(test_reverse_lookup)
{
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		uint32_t v = 0;
		ck_assert_msg(names_lookup(lookups[i].space, lookups[i].in, &v), "%s", lookups[i].in);
		ck_assert_uint_eq(v, lookups[i].want);
	}
	uint32_t v;
	ck_assert(!names_lookup(NAMES_NOTIFY, "NO-SUCH-THING", &v));
	ck_assert(!names_lookup(NAMES_NOTIFY, "", &v));
	ck_assert(!names_lookup(NAMES_PAYLOAD, "12abc", &v));
	/* names are per namespace */
	ck_assert(!names_lookup(NAMES_EXCHANGE, "NO-PROPOSAL-CHOSEN", &v));
}
END_TEST

static const struct {
	enum names_space space;
	uint32_t value;
	const char *want;
} formats[] = {
	{ NAMES_NOTIFY, 14, "NO-PROPOSAL-CHOSEN (14)" },
	{ NAMES_NOTIFY, 9101, "private use (9101)" },
	{ NAMES_NOTIFY, 77, "reserved error (77)" },
	{ NAMES_EXCHANGE, 243, "private use (243)" },
	{ NAMES_EXCHANGE, 2, "Identity Protection (Main Mode) (2)" },
	{ NAMES_EXCHANGE, 77, "DOI specific (77)" },
	{ NAMES_PAYLOAD, 77, "unassigned (77)" },
	{ NAMES_PAYLOAD, 200, "private use (200)" },
	{ NAMES_P1_ENCR, 65002, "private use (65002)" },
	{ NAMES_P1_ENCR, 99, "unknown (99)" },
	{ NAMES_ESP_TRANSFORM, 252, "private use (252)" },
	{ NAMES_NONE, 7, "7" },
};

START_TEST(test_format)
{
	char buf[96];
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		ck_assert_str_eq(names_fmt(formats[i].space, formats[i].value, buf, sizeof(buf)),
				 formats[i].want);
	ck_assert_str_eq(names_bits(NAMES_FLAGS, 3, buf, sizeof(buf)), "Encryption, Commit (0x03)");
	ck_assert_str_eq(names_bits(NAMES_FLAGS, 0, buf, sizeof(buf)), "none (0x00)");
	ck_assert_str_eq(names_bits(NAMES_FLAGS, 0x21, buf, sizeof(buf)), "Encryption, 0x20 (0x21)");
	/* a tiny buffer truncates, never overflows */
	char tiny[6];
	names_fmt(NAMES_NOTIFY, 14, tiny, sizeof(tiny));
	ck_assert_uint_eq(strlen(tiny), 5);
	names_bits(NAMES_FLAGS, 7, tiny, sizeof(tiny));
	ck_assert_uint_lt(strlen(tiny), sizeof(tiny));
}
END_TEST

START_TEST(test_attr_spaces)
{
	ck_assert_int_eq(names_attr_values(true, 1), NAMES_P1_ENCR);
	ck_assert_int_eq(names_attr_values(true, 4), NAMES_GROUP);
	ck_assert_int_eq(names_attr_values(true, 12), NAMES_NONE);
	ck_assert_int_eq(names_attr_values(false, 4), NAMES_ENCAP_MODE);
	ck_assert_int_eq(names_attr_values(false, 5), NAMES_AUTH_ALG);
	ck_assert_int_eq(names_transform_space(3), NAMES_ESP_TRANSFORM);
	ck_assert_int_eq(names_transform_space(9), NAMES_NONE);
}
END_TEST

static const struct {
	const char *hex;
	const char *want;
} vids[] = {
	{ "4a131c81070358455c5728f20e95452f", "RFC 3947 (NAT-T)" },
	{ "cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02" },
	{ "90cb80913ebb696e086381b5ec427b1f", "draft-ietf-ipsec-nat-t-ike-02\\n" },
	{ "7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03" },
	{ "afcad71368a1f1c96b8696fc77570100", "Dead Peer Detection (RFC 3706)" },
	{ "09002689dfd6b712", "XAUTH" },
	{ "12f5f28c457168a9702d9fe274cc0100", "Cisco Unity" },
	{ "882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan" },
	{ "4a131c81070358455c5728f20e95452e", NULL },
	{ "4a131c81070358455c5728f20e95452f00", NULL }, /* exact ones: no prefix match */
	{ "afca", NULL },
};

START_TEST(test_vendor_ids)
{
	for (size_t i = 0; i < sizeof(vids) / sizeof(vids[0]); i++) {
		uint8_t b[64];
		size_t n = strlen(vids[i].hex) / 2;
		for (size_t j = 0; j < n; j++) {
			unsigned x;
			sscanf(vids[i].hex + 2 * j, "%2x", &x);
			b[j] = (uint8_t)x;
		}
		const char *got = names_vendor_id(b, n);
		if (vids[i].want)
			ck_assert_msg(got && strcmp(got, vids[i].want) == 0, "%s: %s", vids[i].hex,
				      got ? got : "NULL");
		else
			ck_assert_msg(got == NULL, "%s: %s", vids[i].hex, got);
	}
}
END_TEST

Suite *suite_names(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, test_core_values);
	tcase_add_test(tc, test_table_consistent);
	tcase_add_test(tc, test_reverse_lookup);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_attr_spaces);
	tcase_add_test(tc, test_vendor_ids);
	suite_add_tcase(s, tc);
	return s;
}
