/* suite/yaml and suite/peercfg: the tree, getters, every error path with
 * its position, and the peer config into struct ike_config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "suite/peercfg.h"
#include "suite/yaml.h"
#include "tests.h"
#include "wire/msg.h"

/* Test YAML goes through a real file, like a user's. */
static char *test_yaml_file(const char *text)
{
	char *path = xstrdup("/tmp/ikec-yaml-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp failed");
	size_t len = strlen(text);
	ck_assert(write(fd, text, len) == (ssize_t)len);
	close(fd);
	return path;
}

static void test_yaml_unlink(char *path)
{
	unlink(path);
	free(path);
}

static struct yaml_doc *test_yaml_load(const char *text)
{
	char *path = test_yaml_file(text);
	struct yaml_doc *doc;
	struct yaml_error err = { 0 };
	ck_assert_msg(yaml_load_file(path, &doc, &err), "%s", err.text);
	test_yaml_unlink(path);
	return doc;
}

static const struct yaml_node *test_yaml_at(const struct yaml_node *map, const char *key)
{
	const struct yaml_node *n = yaml_map_get(map, key);
	ck_assert_msg(n, "no key '%s'", key);
	return n;
}

#define ck_assert_pos(n, l, c) do { \
	ck_assert_uint_eq((n)->line, (l)); \
	ck_assert_uint_eq((n)->col, (c)); \
} while (0)

START_TEST(test_yaml_tree)
{
	struct yaml_doc *doc = test_yaml_load(
		"# a comment\n"
		"suite: hagle-psk\n"
		"defaults:\n"
		"  phase2: { esp: aes128-sha1, pfs: none }\n"
		"  verify: [established, traffic]\n"
		"quoted: \"yes\"\n"
		"empty:\n"
		"cases:\n"
		"  - name: one\n"
		"    text: |\n"
		"      line 1\n"
		"      line 2\n"
		"  - two\n");
	const struct yaml_node *root = yaml_doc_root(doc);
	ck_assert_int_eq(root->type, YAML_MAP);
	ck_assert_uint_eq(root->n, 5);
	ck_assert_pos(root, 2, 1);
	ck_assert_pos(root->keys[0], 2, 1);
	const struct yaml_node *s = test_yaml_at(root, "suite");
	ck_assert_str_eq(s->str, "hagle-psk");
	ck_assert_pos(s, 2, 8);
	ck_assert(s->plain);
	const struct yaml_node *p2 = test_yaml_at(test_yaml_at(root, "defaults"), "phase2");
	ck_assert_int_eq(p2->type, YAML_MAP);
	ck_assert_pos(p2, 4, 11);
	ck_assert_pos(test_yaml_at(p2, "pfs"), 4, 36);
	const struct yaml_node *v = test_yaml_at(test_yaml_at(root, "defaults"), "verify");
	ck_assert_int_eq(v->type, YAML_SEQ);
	ck_assert_uint_eq(v->n, 2);
	ck_assert_str_eq(v->items[1]->str, "traffic");
	ck_assert_pos(v->items[1], 5, 25);
	const struct yaml_node *q = test_yaml_at(root, "quoted");
	ck_assert(!q->plain && !yaml_is_null(q));
	ck_assert_pos(q, 6, 9);
	ck_assert(yaml_is_null(test_yaml_at(root, "empty")));
	const struct yaml_node *c = test_yaml_at(root, "cases");
	ck_assert_uint_eq(c->n, 2);
	ck_assert_pos(c, 9, 3);
	ck_assert_pos(c->items[0], 9, 5);
	ck_assert_str_eq(test_yaml_at(c->items[0], "text")->str, "line 1\nline 2\n");
	ck_assert_str_eq(c->items[1]->str, "two");
	ck_assert_pos(c->items[1], 13, 5);
	ck_assert_str_eq(root->items[0]->file, root->file);
	yaml_doc_free(doc);
}
END_TEST

START_TEST(test_yaml_alias_merge)
{
	struct yaml_doc *doc = test_yaml_load(
		"base: &b { encryption: aes128, hash: sha1 }\n"
		"more: &m { group: 14, hash: md5 }\n"
		"p1: { <<: *b, hash: sha256 }\n"
		"p2:\n"
		"  <<: [*b, *m]\n"
		"  lifetime: 8h\n"
		"list: &l [a, b]\n"
		"again: *l\n");
	const struct yaml_node *root = yaml_doc_root(doc);
	const struct yaml_node *p1 = test_yaml_at(root, "p1");
	ck_assert_uint_eq(p1->n, 2);
	ck_assert_str_eq(test_yaml_at(p1, "hash")->str, "sha256"); /* explicit wins */
	ck_assert_str_eq(test_yaml_at(p1, "encryption")->str, "aes128");
	ck_assert_pos(test_yaml_at(p1, "encryption"), 1, 24); /* where it was written */
	const struct yaml_node *p2 = test_yaml_at(root, "p2");
	ck_assert_uint_eq(p2->n, 4);
	ck_assert_str_eq(p2->keys[0]->str, "lifetime");
	ck_assert_str_eq(test_yaml_at(p2, "hash")->str, "sha1"); /* first source wins */
	ck_assert_str_eq(test_yaml_at(p2, "group")->str, "14");
	ck_assert_ptr_eq(test_yaml_at(root, "again"), test_yaml_at(root, "list"));
	yaml_doc_free(doc);
}
END_TEST

/* ---- getters ---- */

enum test_getter { G_STR, G_UINT, G_BOOL, G_ENUM, G_DUR, G_SIZE };

static const struct {
	const char *value;       /* after "v: " */
	enum test_getter g;
	uint64_t min, max;
	uint64_t want;           /* numbers, bools, enum index */
	const char *msg;         /* NULL: must succeed */
} getter_cases[] = {
	{ "hello", G_STR, 0, 0, 0, NULL },
	{ "'quoted, with: colon'", G_STR, 0, 0, 0, NULL },
	{ "", G_STR, 0, 0, 0, "'v' must be a string, not empty" },
	{ "~", G_STR, 0, 0, 0, "'v' must be a string, not empty" },
	{ "[a]", G_STR, 0, 0, 0, "'v' must be a string, not a list" },
	{ "{a: b}", G_STR, 0, 0, 0, "'v' must be a string, not a mapping" },
	{ "\"a\\0b\"", G_STR, 0, 0, 0, "'v' must not contain a NUL byte" },
	{ "14", G_UINT, 1, 30, 14, NULL },
	{ "0x1e", G_UINT, 1, 30, 30, NULL },
	{ "\"7\"", G_UINT, 1, 30, 7, NULL },
	{ "31", G_UINT, 1, 30, 0, "'v' must be a number from 1 to 30, not '31'" },
	{ "-1", G_UINT, 1, 30, 0, "'v' must be a number from 1 to 30, not '-1'" },
	{ "1e3", G_UINT, 1, 30, 0, "'v' must be a number from 1 to 30, not '1e3'" },
	{ "99999999999999999999999", G_UINT, 0, UINT64_MAX, 0,
	  "'v' must be a number of at least 0, not '99999999999999999999999'" },
	{ "[1]", G_UINT, 1, 30, 0, "'v' must be a number from 1 to 30, not a list" },
	{ "yes", G_BOOL, 0, 0, 1, NULL },
	{ "False", G_BOOL, 0, 0, 0, NULL },
	{ "on", G_BOOL, 0, 0, 1, NULL },
	{ "maybe", G_BOOL, 0, 0, 0, "'v' must be true or false, not 'maybe'" },
	{ "aggressive", G_ENUM, 0, 0, 1, NULL },
	{ "mian", G_ENUM, 0, 0, 0,
	  "'v' must be one of main, aggressive, not 'mian' (did you mean 'main'?)" },
	{ "quick", G_ENUM, 0, 0, 0, "'v' must be one of main, aggressive, not 'quick'" },
	{ "30s", G_DUR, 0, UINT64_MAX, 30000, NULL },
	{ "500ms", G_DUR, 0, UINT64_MAX, 500, NULL },
	{ "8h", G_DUR, 0, UINT64_MAX, 28800000, NULL },
	{ "3600", G_DUR, 0, UINT64_MAX, 3600000, NULL },
	{ "1.5s", G_DUR, 0, UINT64_MAX, 1500, NULL },
	{ "2m", G_DUR, 0, UINT64_MAX, 120000, NULL },
	{ "5 min", G_DUR, 0, UINT64_MAX, 300000, NULL },
	{ "1d", G_DUR, 0, UINT64_MAX, 86400000, NULL },
	{ "30x", G_DUR, 0, UINT64_MAX, 0,
	  "'v' must be a duration such as 30s, 500ms or 8h, not '30x'" },
	{ "0.0001s", G_DUR, 0, UINT64_MAX, 0,
	  "'v' must be a duration such as 30s, 500ms or 8h, not '0.0001s'" },
	{ "s", G_DUR, 0, UINT64_MAX, 0, "'v' must be a duration such as 30s, 500ms or 8h, not 's'" },
	{ "2h", G_DUR, 10, 3600000, 0, "'v' must be a duration from 10ms to 1h, not '2h'" },
	{ "1000kb", G_SIZE, 1, UINT32_MAX, 1000, NULL },
	{ "10MB", G_SIZE, 1, UINT32_MAX, 10240, NULL },
	{ "1gb", G_SIZE, 1, UINT32_MAX, 1048576, NULL },
	{ "500", G_SIZE, 1, UINT32_MAX, 500, NULL },
	{ "1.5mb", G_SIZE, 1, UINT32_MAX, 0,
	  "'v' must be a size such as 1000kb, 10mb or 1gb, not '1.5mb'" },
	{ "0kb", G_SIZE, 1, 100, 0, "'v' must be a size from 1kb to 100kb, not '0kb'" },
};

START_TEST(test_yaml_getters)
{
	char text[200];
	snprintf(text, sizeof(text), "v: %s\n", getter_cases[_i].value);
	char *path = test_yaml_file(text);
	struct yaml_doc *doc;
	struct yaml_error err = { 0 };
	ck_assert_msg(yaml_load_file(path, &doc, &err), "%s", err.text);
	const struct yaml_node *v = yaml_map_get(yaml_doc_root(doc), "v");
	static const char *const names[] = { "main", "aggressive", NULL };
	uint64_t num = 0;
	bool ok = false, b = false;
	unsigned idx = 0;
	const char *s = NULL;
	switch (getter_cases[_i].g) {
	case G_STR: ok = yaml_str(v, "v", &s, &err); break;
	case G_UINT: ok = yaml_uint(v, "v", getter_cases[_i].min, getter_cases[_i].max, &num, &err); break;
	case G_BOOL: ok = yaml_bool(v, "v", &b, &err); num = b; break;
	case G_ENUM: ok = yaml_enum(v, "v", names, &idx, &err); num = idx; break;
	case G_DUR:
		ok = yaml_duration_ms(v, "v", getter_cases[_i].min, getter_cases[_i].max, &num, &err);
		break;
	case G_SIZE:
		ok = yaml_size_kb(v, "v", getter_cases[_i].min, getter_cases[_i].max, &num, &err);
		break;
	}
	if (!getter_cases[_i].msg) {
		ck_assert_msg(ok, "'%s': %s", getter_cases[_i].value, err.text);
		if (getter_cases[_i].g == G_STR)
			ck_assert_str_eq(s, v->str);
		else
			ck_assert_uint_eq(num, getter_cases[_i].want);
	} else {
		ck_assert_msg(!ok, "'%s' accepted", getter_cases[_i].value);
		ck_assert_str_eq(err.msg, getter_cases[_i].msg);
		ck_assert_str_eq(err.file, path);
		/* an empty value sits right after the colon */
		unsigned col = getter_cases[_i].value[0] ? 4 : 3;
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(err.col, col);
		char want[1024];
		snprintf(want, sizeof(want), "%s:1:%u: %s", path, col, getter_cases[_i].msg);
		ck_assert_str_eq(err.text, want);
	}
	yaml_doc_free(doc);
	test_yaml_unlink(path);
}
END_TEST

START_TEST(test_yaml_suggest)
{
	static const char *const keys[] = { "lifetime", "lifetime_policy", "psk", "phase2", NULL };
	ck_assert_str_eq(yaml_suggest("lifetim", keys), "lifetime");
	ck_assert_str_eq(yaml_suggest("lifetmie", keys), "lifetime"); /* a swap is one typo */
	ck_assert_str_eq(yaml_suggest("phase_2", keys), "phase2");
	ck_assert_str_eq(yaml_suggest("pks", keys), "psk");
	ck_assert_str_eq(yaml_suggest("ps", keys), "psk");
	ck_assert_ptr_null(yaml_suggest("foo", keys));
	ck_assert_ptr_null(yaml_suggest("lifespan", keys));
	char buf[32];
	ck_assert_str_eq(yaml_duration_str(3600000, buf, sizeof(buf)), "1h");
	ck_assert_str_eq(yaml_duration_str(90000, buf, sizeof(buf)), "90s");
	ck_assert_str_eq(yaml_duration_str(1500, buf, sizeof(buf)), "1500ms");
	ck_assert_str_eq(yaml_duration_str(0, buf, sizeof(buf)), "0ms");
}
END_TEST

/* ---- every error path, through the peer config loader ---- */

#define PSK_HEAD "psk: secret\nproposals: [aes128-sha256-modp2048]\n"

static const struct {
	const char *name;
	const char *yaml;
	unsigned line, col;
	const char *msg;
} error_cases[] = {
	/* libyaml's own syntax errors, with their position */
	{ "syntax-indent", "role: responder\n  exchange: main\n", 2, 11,
	  "mapping values are not allowed in this context" },
	{ "syntax-flow", "proposals: [aes128-sha1-modp2048\npsk: x\n", 2, 4,
	  "did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 12)" },
	{ "syntax-tab", "psk: x\n\tproposals: []\n", 2, 1,
	  "found a tab character that violates indentation (while scanning a plain scalar at line 1, column 6)" },
	{ "syntax-quote", "psk: \"open\nproposals: []\n", 3, 1,
	  "found unexpected end of stream (while scanning a quoted scalar at line 1, column 6)" },
	{ "syntax-key", "psk: x\n- a\n", 2, 1,
	  "did not find expected key (while parsing a block mapping at line 1, column 1)" },
	/* tree-level errors */
	{ "duplicate-key", "psk: a\nproposals: [3des-md5-1]\npsk: b\n", 3, 1,
	  "duplicate key 'psk' (first at line 1, column 1)" },
	{ "duplicate-flow", "proposals: [{encryption: aes, hash: sha1, group: 2, hash: md5}]\n", 1, 53,
	  "duplicate key 'hash' (first at line 1, column 31)" },
	{ "undefined-alias", "psk: *nokey\n", 1, 6, "undefined alias '*nokey'" },
	{ "recursive-alias", "a: &x [1, *x]\n", 1, 11, "alias '*x' refers to a node that contains it" },
	{ "bad-merge", "<<: 5\n", 1, 5,
	  "'<<' must be a mapping or a list of mappings to merge, not '5'" },
	{ "complex-key", "? [a, b]\n: c\n", 1, 3, "a mapping key must be a plain string, not a list" },
	{ "two-documents", "psk: a\n---\npsk: b\n", 2, 1, "a second document; one document per file" },
	{ "billion-laughs",
	  "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", 5, 4,
	  "the document is too large once aliases are expanded (more than 100000 nodes)" },
	{ "too-deep",
	  "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  1, 67, "nested more than 64 levels deep" },
	/* wrong type */
	{ "empty-file", "", 1, 1, "'config' must be a mapping, not empty" },
	{ "not-a-map", "- role: responder\n", 1, 1, "'config' must be a mapping, not a list" },
	{ "proposals-scalar", "psk: x\nproposals: aes128-sha1-modp2048\n", 2, 12,
	  "'proposals' must be a list of at least one proposal, not 'aes128-sha1-modp2048'" },
	{ "proposals-empty", "psk: x\nproposals: []\n", 2, 12,
	  "'proposals' must be a list of at least one proposal, not a list" },
	{ "psk-list", "psk: [a]\nproposals: [3des-md5-1]\n", 1, 6, "'psk' must be a string, not a list" },
	{ "bool", PSK_HEAD "initial_contact: maybe\n", 3, 18,
	  "'initial_contact' must be true or false, not 'maybe'" },
	{ "retransmit-scalar", PSK_HEAD "retransmit: 5\n", 3, 13,
	  "'retransmit' must be a mapping, not '5'" },
	{ "proposal-string", "psk: x\nproposals: [aes128-sha256]\n", 2, 13,
	  "proposal 'aes128-sha256': expected encryption-hash-group[-auth]" },
	{ "proposal-list-item", "psk: x\nproposals: [[aes]]\n", 2, 13,
	  "'proposal' must be a string such as aes128-sha256-modp2048 or a mapping, not a list" },
	/* out of range */
	{ "group-name", "psk: x\nproposals:\n  - { encryption: aes128, hash: sha1, group: modp9999 }\n",
	  3, 46, "'group' must be a number from 1 to 30 or a group name, not 'modp9999'" },
	{ "group-number", "psk: x\nproposals:\n  - { encryption: aes128, hash: sha1, group: 31 }\n",
	  3, 46, "'group' must be a number from 1 to 30 or a group name, not '31'" },
	{ "hash", "psk: x\nproposals:\n  - { encryption: aes128, hash: sha265, group: 14 }\n",
	  3, 33, "'hash' must be one of md5, sha1, sha256, sha384, sha512, not 'sha265' "
		 "(did you mean 'sha256'?)" },
	{ "encryption", "psk: x\nproposals:\n  - { encryption: aes512, hash: sha1, group: 14 }\n",
	  3, 19, "'encryption': aes key length 512 bits is not allowed (128..256 step 64)" },
	{ "encryption-name", "psk: x\nproposals:\n  - { encryption: rot13, hash: sha1, group: 14 }\n",
	  3, 19, "'encryption' must be a cipher (des, blowfish, 3des, cast128, aes, camellia) with "
		 "its key bits where it varies (aes256), not 'rot13'" },
	{ "tries", PSK_HEAD "retransmit: { tries: 0 }\n", 3, 22,
	  "'tries' must be a number from 1 to 100, not '0'" },
	{ "timeout", PSK_HEAD "retransmit:\n  timeout: 2h\n", 4, 12,
	  "'timeout' must be a duration from 10ms to 1m, not '2h'" },
	{ "retrans-order", PSK_HEAD "retransmit:\n  timeout: 10s\n  max: 2s\n", 4, 3,
	  "retransmit 'max' must not be shorter than 'timeout'" },
	{ "port", PSK_HEAD "port: 70000\n", 3, 7, "'port' must be a number from 1 to 65535, not '70000'" },
	{ "natt", PSK_HEAD "natt: [rfc3947, draft-05]\n", 3, 17,
	  "'natt' must be one of none, draft-02, draft-03, rfc3947, all, not 'draft-05' (did you mean 'draft-02'?)" },
	{ "natt_keepalive", PSK_HEAD "natt_keepalive: 2h\n", 3, 17,
	  "'natt_keepalive' must be a duration from 0ms to 1h, not '2h'" },
	{ "nonce", PSK_HEAD "nonce_size: 4\n", 3, 13, "'nonce_size' must be a number from 8 to 256, not '4'" },
	{ "lifetime-zero", PSK_HEAD "ike_lifetime: 0s\n", 3, 15,
	  "'ike_lifetime' must be whole seconds from 1s to 4294967295s, not '0s'" },
	{ "lifetime-ms", PSK_HEAD "ike_lifetime: 1500ms\n", 3, 15,
	  "'ike_lifetime' must be whole seconds from 1s to 4294967295s, not '1500ms'" },
	{ "lifetime-word", PSK_HEAD "ike_lifetime: long\n", 3, 15,
	  "'ike_lifetime' must be a duration such as 8h or a size such as 4608000kb, not 'long'" },
	{ "lifetime-two", PSK_HEAD "ike_lifetime: [8h, 1h]\n", 3, 20, "'ike_lifetime' has two durations" },
	{ "exchanges", PSK_HEAD "exchanges: always\n", 3, 12,
	  "'exchanges' must be a number from 1 to 1000000 or forever, not 'always'" },
	{ "listen", PSK_HEAD "listen: [10.0.0.1, 10.0.0.300]\n", 3, 20,
	  "'listen': '10.0.0.300': not an IPv4 or IPv6 address" },
	{ "esp", PSK_HEAD "phase2: { esp: [aes128-sha1, aes128-foo] }\n", 3, 30,
	  "'esp': 'aes128-foo': unknown integrity 'foo'" },
	{ "pfs", PSK_HEAD "phase2: { esp: aes128-sha1, pfs: yes }\n", 3, 34,
	  "'pfs' must be none or a group (a number from 1 to 30 or a name), not 'yes'" },
	{ "mode", PSK_HEAD "phase2: { esp: aes128-sha1, mode: tunel }\n", 3, 35,
	  "'mode' must be one of tunnel, transport, udp-tunnel, udp-transport, not 'tunel' "
	  "(did you mean 'tunnel'?)" },
	{ "ts", PSK_HEAD "local_ts: 10.1.0.0/33\n", 3, 11, "'local_ts': '10.1.0.0/33': bad subnet" },
	{ "id", PSK_HEAD "local_id: vpn.example\n", 3, 11,
	  "'local_id': 'vpn.example': not an address or a typed ID (fqdn:, ufqdn:, keyid:, dn:, ipv4:, ipv6:, subnet:, range:, id:, %any)" },
	{ "id-hex", PSK_HEAD "remote_id: \"dn:#30zz\"\n", 3, 12,
	  "'remote_id': 'dn:#30zz': expected 1 to 256 bytes of hex after '#'" },
	{ "id-type", PSK_HEAD "remote_id: \"ip:#c0000201\"\n", 3, 12,
	  "'remote_id': 'ip:#c0000201': unknown ID type 'ip'" },
	{ "id-type-number", PSK_HEAD "remote_id: \"id256:#00\"\n", 3, 12,
	  "'remote_id': 'id256:#00': unknown ID type 'id256'" },
	{ "local-id-any", PSK_HEAD "local_id: \"%any\"\n", 3, 11,
	  "'local_id' cannot be %any: it is the ID we send" },
	{ "id-checks", PSK_HEAD "id_checks: picky\n", 3, 12,
	  "'id_checks' must be one of strict, lenient, not 'picky'" },
	{ "psks-scalar", PSK_HEAD "psks: sun-key\n", 3, 7,
	  "'psks' must be a list of { id, psk } mappings, not 'sun-key'" },
	{ "psks-empty", PSK_HEAD "psks: []\n", 3, 7,
	  "'psks' must be a list of { id, psk } mappings, not a list" },
	{ "psks-item", PSK_HEAD "psks: [sun-key]\n", 3, 8, "'psks' must be a mapping, not 'sun-key'" },
	{ "psks-no-psk", PSK_HEAD "psks:\n  - id: fqdn:sun.example.org\n", 4, 5,
	  "missing key 'psk' in 'psks'" },
	{ "psks-no-id", PSK_HEAD "psks: [{ psk: k }]\n", 3, 8, "missing key 'id' in 'psks'" },
	{ "psks-key", PSK_HEAD "psks: [{ id: fqdn:a.org, psk: k, ids: x }]\n", 3, 34,
	  "unknown key 'ids' (did you mean 'id'?)" },
	{ "psks-id", PSK_HEAD "psks: [{ id: sun, psk: k }]\n", 3, 14,
	  "'id': 'sun': not an address or a typed ID (fqdn:, ufqdn:, keyid:, dn:, ipv4:, ipv6:, subnet:, range:, id:, %any)" },
	{ "psks-any", PSK_HEAD "psks: [{ id: \"%any\", psk: k }]\n", 3, 14,
	  "'id' must name one peer; the key for any peer is 'psk'" },
	{ "psks-empty-key", PSK_HEAD "psks: [{ id: 10.0.0.2, psk: \"\" }]\n", 3, 29,
	  "'psk' must be a string, not ''" },
	{ "psks-list-key", PSK_HEAD "psks: [{ id: 10.0.0.2, psk: [k] }]\n", 3, 29,
	  "'psk' must be a string, not a list" },
	{ "psks-twice", PSK_HEAD "psks:\n  - { id: fqdn:sun.example.org, psk: a }\n"
	  "  - { id: \"fqdn:sun.example.org\", psk: b }\n", 5, 11,
	  "'id': a second PSK for the same ID (item 1 has it)" },
	{ "psks-many", PSK_HEAD "psks: [{id: 1.0.0.1, psk: k}, {id: 1.0.0.2, psk: k}, "
	  "{id: 1.0.0.3, psk: k}, {id: 1.0.0.4, psk: k}, {id: 1.0.0.5, psk: k}, "
	  "{id: 1.0.0.6, psk: k}, {id: 1.0.0.7, psk: k}, {id: 1.0.0.8, psk: k}, "
	  "{id: 1.0.0.9, psk: k}]\n", 3, 192, "more than 8 PSKs" },
	{ "send-cr-ifasked", PSK_HEAD "send_cr: ifasked\n", 3, 10,
	  "'send_cr': ifasked is for send_cert only (a CR is never asked for)" },
	{ "send-cr-word", PSK_HEAD "send_cr: sometimes\n", 3, 10,
	  "'send_cr' must be true, false, always or never, not 'sometimes'" },
	{ "crl-list", PSK_HEAD "crl: [a.crl]\n", 3, 6, "'crl' must be a string, not a list" },
	{ "enum", PSK_HEAD "exchange: mian\n", 3, 11,
	  "'exchange' must be one of main, aggressive, not 'mian' (did you mean 'main'?)" },
	{ "auth", PSK_HEAD "auth: rsa-sig\n", 3, 7,
	  "'auth' must be one of psk, rsa, ecdsa, ecdsa256, ecdsa384, ecdsa521, dss, not 'rsa-sig'" },
	/* unknown keys, with and without a suggestion */
	{ "unknown-top", PSK_HEAD "ike_lifetim: 8h\n", 3, 1,
	  "unknown key 'ike_lifetim' (did you mean 'ike_lifetime'?)" },
	{ "unknown-nested", "psk: x\nproposals:\n  - encryption: aes\n    hash: sha1\n    group: 2\n"
	  "    lifetim: 1h\n", 6, 5, "unknown key 'lifetim' (did you mean 'lifetime'?)" },
	{ "unknown-phase2", PSK_HEAD "phase2: { esp: aes128-sha1, pfss: 14 }\n", 3, 29,
	  "unknown key 'pfss' (did you mean 'pfs'?)" },
	{ "unknown-plain", PSK_HEAD "colour: blue\n", 3, 1, "unknown key 'colour' in 'config'" },
	{ "unknown-merged", "base: &b { psk: x }\n", 1, 1, "unknown key 'base' in 'config'" },
	/* missing required keys */
	{ "missing-proposals", "psk: x\nrole: responder\n", 1, 1, "missing key 'proposals' in 'config'" },
	{ "missing-psk", "proposals: [aes128-sha1-modp2048]\n", 1, 1,
	  "missing key 'psk': auth psk needs a pre-shared key" },
	{ "missing-cert", "auth: rsa\nkey: k.pem\nproposals: [aes128-sha1-modp2048]\n", 1, 1,
	  "missing key 'cert': signature auth needs a certificate" },
	{ "missing-hash", "psk: x\nproposals:\n  - { encryption: aes, group: 2 }\n", 3, 5,
	  "missing key 'hash' in 'proposal'" },
	{ "missing-esp", PSK_HEAD "phase2:\n  pfs: 14\n", 4, 3, "missing key 'esp' in 'phase2'" },
	{ "missing-remote", PSK_HEAD "role: initiator\n", 1, 1,
	  "missing key 'remote_address': an initiator needs the address of its peer" },
	{ "remote-responder", PSK_HEAD "remote_address: 10.0.0.2\n", 3, 17,
	  "'remote_address' is only for role initiator" },
};

START_TEST(test_yaml_errors)
{
	char *path = test_yaml_file(error_cases[_i].yaml);
	struct peercfg cfg;
	struct yaml_error err = { 0 };
	bool ok = peercfg_load_file(path, &cfg, &err);
	ck_assert_msg(!ok, "%s: accepted", error_cases[_i].name);
	ck_assert_msg(strcmp(err.msg, error_cases[_i].msg) == 0, "%s: got \"%s\" at %u:%u",
		      error_cases[_i].name, err.msg, err.line, err.col);
	ck_assert_str_eq(err.file, path);
	ck_assert_msg(err.line == error_cases[_i].line && err.col == error_cases[_i].col,
		      "%s: at %u:%u, want %u:%u", error_cases[_i].name, err.line, err.col,
		      error_cases[_i].line, error_cases[_i].col);
	peercfg_free(&cfg); /* safe after a failure */
	test_yaml_unlink(path);
}
END_TEST

START_TEST(test_yaml_io_error)
{
	struct yaml_doc *doc;
	struct yaml_error err = { 0 };
	ck_assert(!yaml_load_file("/nonexistent/peer.yaml", &doc, &err));
	ck_assert_ptr_null(doc);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.text, "/nonexistent/peer.yaml: cannot open: No such file or directory");
	/* the first error stays */
	yaml_fail(&err, NULL, "second");
	ck_assert_str_eq(err.msg, "cannot open: No such file or directory");
}
END_TEST

/* ---- the peer config ---- */

static const char peer_full[] =
	"role: initiator\n"
	"exchange: aggressive\n"
	"auth: psk\n"
	"psk: \"ike-conform psk\"\n"
	"local_id: fqdn:moon.example.org\n"
	"remote_id: ufqdn:sun@example.org\n"
	"ike_lifetime: [8h, 100000kb]\n"
	"proposals:\n"
	"  - aes128-sha256-modp2048\n"
	"  - { encryption: 3des, hash: md5, group: 2, lifetime: 1h }\n"
	"  - encryption: aes256\n"
	"    hash: sha512\n"
	"    group: ecp256\n"
	"    auth: rsa\n"
	"phase2:\n"
	"  esp: [aes128-sha1, aes256gcm16, 3des-md5-modp1024]\n"
	"  pfs: 14\n"
	"  mode: transport\n"
	"  lifetime: 20m\n"
	"local_ts: 10.1.0.0/16\n"
	"remote_ts: 10.2.0.1 17/500\n"
	"lifetime_policy: notify\n"
	"retransmit: { timeout: 250ms, tries: 3, max: 2s }\n"
	"initial_contact: yes\n"
	"commit: true\n"
	"notify_errors: off\n"
	"nonce_size: 16\n"
	"dpd: 30s\n"
	"cert: /etc/ike/moon.pem\n"
	"key: /etc/ike/moon.key\n"
	"chain: /etc/ike/moon-chain.pem\n"
	"ca: /etc/ike/root.pem\n"
	"crl: /etc/ike/ca.crl\n"
	"send_cert: always\n"
	"send_cr: no\n"
	"id_checks: lenient\n"
	"psks:\n"
	"  - { id: fqdn:sun.example.org, psk: sun-key }\n"
	"  - id: \"keyid:#00ff10\"\n"
	"    psk: \"key two\"\n"
	"max_sas: 10\n"
	"listen: [10.0.0.1, \"[2001:db8::1]:4501\"]\n"
	"port: 5000\n"
	"natt_port: 0\n"
	"natt: [rfc3947, draft-02]\n"
	"natt_force: yes\n"
	"natt_peer_port: 4501\n"
	"natt_keepalive: 20s\n"
	"remote_address: 10.0.0.2\n"
	"exchanges: 3\n"
	"log_file: /tmp/peer.log\n"
	"log_level: debug\n";

/* peer_full's three phase 1 proposals, with the defaults they take. */
static void test_yaml_full_p1(const struct ike_config *k)
{
	ck_assert_uint_eq(k->np1, 3);
	ck_assert_uint_eq(k->p1[0].encr, CIPHER_AES);
	ck_assert_uint_eq(k->p1[0].keylen, 128);
	ck_assert_uint_eq(k->p1[0].hash, PRF_SHA2_256);
	ck_assert_uint_eq(k->p1[0].group, 14);
	ck_assert_uint_eq(k->p1[0].auth, IKE_AUTH_PSK);
	ck_assert_uint_eq(k->p1[0].life_sec, 28800);
	ck_assert_uint_eq(k->p1[0].life_kb, 100000);
	ck_assert_uint_eq(k->p1[1].encr, CIPHER_3DES);
	ck_assert_uint_eq(k->p1[1].keylen, 0);
	ck_assert_uint_eq(k->p1[1].hash, PRF_MD5);
	ck_assert_uint_eq(k->p1[1].group, 2);
	ck_assert_uint_eq(k->p1[1].life_sec, 3600);
	ck_assert_uint_eq(k->p1[1].life_kb, 0); /* its own lifetime replaces both */
	ck_assert_uint_eq(k->p1[2].encr, CIPHER_AES);
	ck_assert_uint_eq(k->p1[2].keylen, 256);
	ck_assert_uint_eq(k->p1[2].hash, PRF_SHA2_512);
	ck_assert_uint_eq(k->p1[2].group, 19);
	ck_assert_uint_eq(k->p1[2].auth, IKE_AUTH_RSA);
	ck_assert_uint_eq(k->p1[2].life_sec, 28800);
}

/* peer_full's three phase 2 proposals, with the defaults they take. */
static void test_yaml_full_p2(const struct ike_config *k)
{
	ck_assert_uint_eq(k->np2, 3);
	ck_assert_uint_eq(k->p2[0].transform, IKE_ESP_AES);
	ck_assert_uint_eq(k->p2[0].keylen, 128);
	ck_assert_uint_eq(k->p2[0].auth, IKE_EAUTH_SHA1);
	ck_assert_uint_eq(k->p2[0].group, 14);
	ck_assert_uint_eq(k->p2[0].encap, IKE_ENCAP_TRANSPORT);
	ck_assert_uint_eq(k->p2[0].life_sec, 1200);
	ck_assert_uint_eq(k->p2[1].transform, IKE_ESP_AES_GCM_16);
	ck_assert_uint_eq(k->p2[1].keylen, 256);
	ck_assert_uint_eq(k->p2[2].transform, IKE_ESP_3DES);
	ck_assert_uint_eq(k->p2[2].group, 2); /* its own PFS group stays */
}

START_TEST(test_peercfg_full)
{
	char *path = test_yaml_file(peer_full);
	struct peercfg c;
	struct yaml_error err = { 0 };
	ck_assert_msg(peercfg_load_file(path, &c, &err), "%s", err.text);
	test_yaml_unlink(path);
	const struct ike_config *k = &c.ike;
	ck_assert_int_eq(k->role, IKE_INITIATOR);
	ck_assert_uint_eq(k->exchange, WIRE_X_AGGR);
	ck_assert(chunk_eq(k->psk, CHUNK_FROM("ike-conform psk", 15)));
	ck_assert_ptr_eq(k->psk.ptr, c.psk.ptr);
	ck_assert_uint_eq(k->local_id.type, 2);
	ck_assert_uint_eq(k->local_id.len, 16);
	ck_assert(memcmp(k->local_id.data, "moon.example.org", 16) == 0);
	ck_assert_uint_eq(k->remote_id.type, 3);
	ck_assert_uint_eq(k->natt, IKE_NATT_BIT(IKE_NATT_RFC3947) | IKE_NATT_BIT(IKE_NATT_DRAFT_02));
	ck_assert(k->natt_force);
	ck_assert_uint_eq(k->natt_peer_port, 4501);
	ck_assert_uint_eq(c.natt_keepalive_ms, 20000);

	test_yaml_full_p1(k);
	test_yaml_full_p2(k);

	ck_assert(k->ts_local.set);
	ck_assert_uint_eq(k->ts_local.type, 4);
	ck_assert_uint_eq(k->ts_remote.type, 1);
	ck_assert_uint_eq(k->ts_remote.proto, 17);
	ck_assert_uint_eq(k->ts_remote.port, 500);
	ck_assert_int_eq(k->life_policy, IKE_LIFE_NOTIFY);
	ck_assert_uint_eq(k->retrans_ms, 250);
	ck_assert_uint_eq(k->retrans_tries, 3);
	ck_assert_uint_eq(k->retrans_max_ms, 2000);
	ck_assert(k->initial_contact && k->commit && !k->notify_errors);
	ck_assert_uint_eq(k->nonce_len, 16);
	ck_assert_uint_eq(k->dpd_idle_ms, 30000);

	ck_assert_str_eq(c.cert, "/etc/ike/moon.pem");
	ck_assert_str_eq(c.key, "/etc/ike/moon.key");
	ck_assert_str_eq(c.chain, "/etc/ike/moon-chain.pem");
	ck_assert_str_eq(c.ca, "/etc/ike/root.pem");
	ck_assert_str_eq(c.crl, "/etc/ike/ca.crl");
	ck_assert_ptr_null(k->crls); /* loaded by peercfg_load_crl, not here */
	ck_assert(k->send_cert && k->send_chain && !k->send_cr);
	ck_assert_int_eq(k->id_checks, IKE_ID_CHECKS_LENIENT);
	ck_assert_uint_eq(k->npsks, 2);
	ck_assert_uint_eq(k->psks[0].id.type, 2);
	ck_assert(k->psks[0].id.len == 15 && !memcmp(k->psks[0].id.data, "sun.example.org", 15));
	ck_assert(chunk_eq(k->psks[0].psk, CHUNK_FROM("sun-key", 7)));
	ck_assert_uint_eq(k->psks[1].id.type, 11);
	ck_assert(k->psks[1].id.len == 3 && !memcmp(k->psks[1].id.data, "\x00\xff\x10", 3));
	ck_assert(chunk_eq(k->psks[1].psk, CHUNK_FROM("key two", 7)));
	ck_assert_ptr_eq(k->psks[1].psk.ptr, c.psk_keys[1].ptr);
	ck_assert_uint_eq(k->max_sas, 10);
	ck_assert_uint_eq(c.nlisten, 2);
	char buf[NETADDR_STRLEN];
	ck_assert_str_eq(netaddr_str(&c.listen[0], buf, sizeof(buf)), "10.0.0.1:5000");
	ck_assert_str_eq(netaddr_str(&c.listen[1], buf, sizeof(buf)), "[2001:db8::1]:4501");
	ck_assert_uint_eq(c.natt_port, 0);
	ck_assert(c.has_remote);
	ck_assert_str_eq(netaddr_str(&c.remote, buf, sizeof(buf)), "10.0.0.2:500");
	ck_assert_uint_eq(c.exchanges, 3);
	ck_assert_str_eq(c.log_file, "/tmp/peer.log");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	peercfg_free(&c);
	ck_assert_ptr_null(c.cert);
}
END_TEST

START_TEST(test_peercfg_defaults)
{
	char *path = test_yaml_file("psk: x\nproposals: [3des-sha1-modp1024]\n");
	struct peercfg c;
	struct yaml_error err = { 0 };
	ck_assert_msg(peercfg_load_file(path, &c, &err), "%s", err.text);
	test_yaml_unlink(path);
	ck_assert_int_eq(c.ike.role, IKE_RESPONDER);
	ck_assert_uint_eq(c.ike.exchange, WIRE_X_MAIN);
	ck_assert_uint_eq(c.ike.np1, 1);
	ck_assert_uint_eq(c.ike.np2, 0);
	ck_assert_uint_eq(c.ike.p1[0].life_sec, 0); /* not sent */
	ck_assert_int_eq(c.ike.life_policy, IKE_LIFE_ACCEPT);
	ck_assert_uint_eq(c.ike.retrans_ms, 500);
	ck_assert(!c.ike.ts_local.set);
	ck_assert_uint_eq(c.nlisten, 1);
	char buf[NETADDR_STRLEN];
	ck_assert_str_eq(netaddr_str(&c.listen[0], buf, sizeof(buf)), "0.0.0.0:500");
	ck_assert_uint_eq(c.natt_port, 4500);
	ck_assert(!c.has_remote);
	ck_assert_uint_eq(c.exchanges, 0); /* a responder runs until stopped */
	ck_assert_ptr_null(c.log_file);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	peercfg_free(&c);
}
END_TEST

/* A suite's peer_config: the same reader on a node, defaults merged. */
START_TEST(test_peercfg_node)
{
	struct yaml_doc *doc = test_yaml_load(
		"common: &c { psk: shared, local_id: \"dn:C=CH, O=ike-conform, CN=moon\" }\n"
		"peer_config:\n"
		"  <<: *c\n"
		"  proposals: [aes256-sha1-modp1536]\n"
		"  role: initiator\n"
		"  remote_address: \"[2001:db8::2]:4500\"\n");
	struct peercfg c;
	struct yaml_error err = { 0 };
	ck_assert_msg(peercfg_from_node(yaml_map_get(yaml_doc_root(doc), "peer_config"),
					"peer_config", &c, &err), "%s", err.text);
	yaml_doc_free(doc);
	ck_assert(chunk_eq(c.ike.psk, CHUNK_FROM("shared", 6)));
	ck_assert_uint_eq(c.ike.local_id.type, 9);
	ck_assert_uint_gt(c.ike.local_id.len, 20); /* DER of the DN */
	ck_assert_uint_eq(c.exchanges, 1); /* an initiator does one by default */
	char buf[NETADDR_STRLEN];
	ck_assert_str_eq(netaddr_str(&c.listen[0], buf, sizeof(buf)), "[::]:500");
	ck_assert_str_eq(netaddr_str(&c.remote, buf, sizeof(buf)), "[2001:db8::2]:4500");
	peercfg_free(&c);
}
END_TEST

/* IDs as one word of text (state files, the self peer's config): every
 * type back to the same bytes; text that would need quoting, and DNs,
 * in hex; the canonical text whatever form was read. */
static const struct {
	const char *in;
	uint8_t type;
	size_t len;
	const char *out;
} id_text_cases[] = {
	{ "%any", 0, 0, "%any" },
	{ "192.0.2.1", 1, 4, "ipv4:192.0.2.1" },
	{ "ipv6:2001:db8::1", 5, 16, "ipv6:2001:db8::1" },
	{ "fqdn:moon.example.org", 2, 16, "fqdn:moon.example.org" },
	{ "fqdn:*.example.org", 2, 13, "fqdn:*.example.org" },
	{ "ufqdn:moon@example.org", 3, 16, "ufqdn:moon@example.org" },
	{ "keyid:moon-key", 11, 8, "keyid:moon-key" },
	{ "keyid:#00ff10", 11, 3, "keyid:#00ff10" },
	{ "fqdn:#6D6F6F6E", 2, 4, "fqdn:moon" },
	{ "fqdn:#23", 2, 1, "fqdn:#23" },                  /* a leading '#' */
	{ "ufqdn:#6120622240", 3, 5, "ufqdn:#6120622240" }, /* a space and a quote */
	{ "dn:#300f310d300b06035504030c046d6f6f6e", 9, 17,
	  "dn:#300f310d300b06035504030c046d6f6f6e" },
	{ "id4:#0a010000ffff0000", 4, 8, "id4:#0a010000ffff0000" },
	{ "ipv4:#0a0000", 1, 3, "ipv4:#0a0000" },          /* not an address's length */
};

START_TEST(test_peercfg_id_text)
{
	struct ike_id a, b;
	char err[200], text[600];
	const char *in = id_text_cases[_i].in;
	ck_assert_msg(peercfg_id_read(in, &a, err, sizeof(err)), "%s: %s", in, err);
	ck_assert_uint_eq(a.type, id_text_cases[_i].type);
	ck_assert_uint_eq(a.len, id_text_cases[_i].len);
	ck_assert(peercfg_id_text(&a, text, sizeof(text)));
	ck_assert_str_eq(text, id_text_cases[_i].out);
	ck_assert_msg(peercfg_id_read(text, &b, err, sizeof(err)), "%s: %s", text, err);
	ck_assert(a.type == b.type && a.len == b.len && !memcmp(a.data, b.data, a.len));
	/* one byte short: refused, never cut */
	ck_assert(!peercfg_id_text(&a, text, strlen(id_text_cases[_i].out)));
}
END_TEST

/* A DN read from its text comes back in hex, one word, with the same DER;
 * a 256-byte ID fits; bad hex forms are refused. */
START_TEST(test_peercfg_id_text_dn)
{
	struct ike_id a, b;
	char err[200], text[600];
	ck_assert(peercfg_id_read("dn:C=CH, O=ike-conform, CN=moon.example.org", &a, err,
				  sizeof(err)));
	ck_assert(peercfg_id_text(&a, text, sizeof(text)));
	ck_assert_msg(!strncmp(text, "dn:#30", 6) && !strchr(text, ' '), "%s", text);
	ck_assert(peercfg_id_read(text, &b, err, sizeof(err)));
	ck_assert(b.type == 9 && b.len == a.len && !memcmp(a.data, b.data, a.len));
	memset(&a, 0, sizeof(a));
	a.type = 11;
	a.len = IKE_MAX_ID;
	ck_assert(peercfg_id_text(&a, text, sizeof(text)));
	ck_assert_uint_eq(strlen(text), strlen("keyid:#") + 2 * IKE_MAX_ID);
	ck_assert(peercfg_id_read(text, &b, err, sizeof(err)) && b.len == IKE_MAX_ID);
	static const char *const bad[] = { "fqdn:#", "fqdn:#abc", "dn:#zz", "id0:#00", "x:#00",
					   "id9x:#00" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!peercfg_id_read(bad[i], &b, err, sizeof(err)), "%s accepted", bad[i]);
	char big[2 * IKE_MAX_ID + 16] = "keyid:#";
	memset(big + 7, 'a', 2 * IKE_MAX_ID + 2);
	char longerr[1200];
	ck_assert(!peercfg_id_read(big, &b, longerr, sizeof(longerr)));
	ck_assert_msg(strstr(longerr, "expected 1 to 256 bytes of hex"), "%s", longerr);
}
END_TEST

/* n CRLs issued by a throwaway key, as PEM into a new file. */
static char *test_yaml_crl_file(int n)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(k);
	char *path = test_yaml_file("");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < n; i++) {
		X509_CRL *crl = X509_CRL_new();
		X509_NAME *name = X509_NAME_new();
		ASN1_TIME *t = ASN1_TIME_set(NULL, 1700000000 + i);
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ca", -1,
					   -1, 0);
		ck_assert(X509_CRL_set_version(crl, 1) && X509_CRL_set_issuer_name(crl, name) &&
			  X509_CRL_set1_lastUpdate(crl, t) && X509_CRL_sign(crl, k, EVP_sha256()));
		ck_assert(PEM_write_X509_CRL(f, crl));
		ASN1_TIME_free(t);
		X509_NAME_free(name);
		X509_CRL_free(crl);
	}
	fclose(f);
	EVP_PKEY_free(k);
	return path;
}

/* crl: PATH is a path at load time; peercfg_load_crl reads every CRL in
 * it into ike.crls, and says why when it cannot. */
START_TEST(test_peercfg_crl)
{
	char *crl = test_yaml_crl_file(2);
	char text[600], err[400];
	struct peercfg c;
	struct yaml_error yerr = { 0 };
	snprintf(text, sizeof(text), "psk: x\nproposals: [aes128-sha1-modp2048]\ncrl: %s\n", crl);
	ck_assert_msg(peercfg_load_string("t", text, &c, &yerr), "%s", yerr.text);
	ck_assert_ptr_null(c.ike.crls);
	ck_assert_msg(peercfg_load_crl(&c, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(sk_X509_CRL_num(c.ike.crls), 2);
	ck_assert_msg(peercfg_load_crl(&c, err, sizeof(err)), "%s", err); /* again: replaced */
	ck_assert_int_eq(sk_X509_CRL_num(c.ike.crls), 2);
	peercfg_free(&c);
	ck_assert_ptr_null(c.ike.crls);
	test_yaml_unlink(crl);

	/* no crl key: nothing to do */
	ck_assert(peercfg_load_string("t", "psk: x\nproposals: [aes128-sha1-modp2048]\n", &c, &yerr));
	ck_assert(peercfg_load_crl(&c, err, sizeof(err)) && !c.ike.crls);
	peercfg_free(&c);

	/* a file that is not there, a file without a CRL */
	char *notcrl = test_yaml_file("-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n");
	const char *paths[] = { "/nonexistent/ca.crl", notcrl };
	const char *want[] = { "crl /nonexistent/ca.crl: No such file or directory",
			       "no CRL in PEM or DER form" };
	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "psk: x\nproposals: [aes128-sha1-modp2048]\ncrl: %s\n",
			 paths[i]);
		ck_assert(peercfg_load_string("t", text, &c, &yerr));
		ck_assert(!peercfg_load_crl(&c, err, sizeof(err)));
		ck_assert_msg(strstr(err, want[i]) && strstr(err, paths[i]), "%s", err);
		ck_assert_ptr_null(c.ike.crls);
		peercfg_free(&c);
	}
	test_yaml_unlink(notcrl);
}
END_TEST

/* psks alone satisfy auth psk (the keys are by ID); %any is a remote_id. */
START_TEST(test_peercfg_psks_only)
{
	struct peercfg c;
	struct yaml_error yerr = { 0 };
	ck_assert_msg(peercfg_load_string("t", "proposals: [aes128-sha1-modp2048]\n"
					  "remote_id: \"%any\"\nid_checks: strict\n"
					  "psks: [{ id: ufqdn:sun@example.org, psk: k1 }]\n",
					  &c, &yerr), "%s", yerr.text);
	ck_assert_uint_eq(c.ike.npsks, 1);
	ck_assert_uint_eq(c.ike.psk.len, 0);
	ck_assert_uint_eq(c.ike.remote_id.type, 0);
	ck_assert_int_eq(c.ike.id_checks, IKE_ID_CHECKS_STRICT);
	peercfg_free(&c);
	ck_assert_uint_eq(c.psk_keys[0].len, 0);
}
END_TEST

/* The complete example in docs/peer-config.md must load as documented. */
START_TEST(test_peercfg_doc_example)
{
	const char *src = getenv("IKEC_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/peer-config.md", src && *src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!f) {
		test_skip("peercfg_doc_example", "docs/peer-config.md not found (set IKEC_SRCDIR)");
		return;
	}
	char line[512], text[16384] = "";
	bool in = false, done = false;
	while (!done && fgets(line, sizeof(line), f)) {
		if (!in && strncmp(line, "```yaml", 7) == 0)
			in = true;
		else if (in && strncmp(line, "```", 3) == 0)
			done = true;
		else if (in)
			strncat(text, line, sizeof(text) - strlen(text) - 1);
	}
	fclose(f);
	ck_assert_msg(done, "no ```yaml block in %s", path);
	struct peercfg c;
	struct yaml_error err = { 0 };
	ck_assert_msg(peercfg_load_string("docs/peer-config.md", text, &c, &err), "%s", err.text);
	ck_assert_uint_ge(c.ike.np1, 2);
	ck_assert_uint_ge(c.ike.np2, 1);
	ck_assert_uint_eq(c.ike.rekey_margin_ms, 30000);
	ck_assert_int_eq(c.ike.id_checks, IKE_ID_CHECKS_STRICT);
	ck_assert_uint_eq(c.ike.npsks, 2);
	ck_assert_uint_eq(c.ike.psks[1].id.type, 11);
	ck_assert_uint_eq(c.ike.psks[1].id.len, 3);
	peercfg_free(&c);
}
END_TEST

Suite *suite_yaml(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc = tcase_create("yaml");
	tcase_add_test(tc, test_yaml_tree);
	tcase_add_test(tc, test_yaml_alias_merge);
	tcase_add_loop_test(tc, test_yaml_getters, 0, (int)(sizeof(getter_cases) / sizeof(getter_cases[0])));
	tcase_add_test(tc, test_yaml_suggest);
	tcase_add_loop_test(tc, test_yaml_errors, 0, (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_test(tc, test_yaml_io_error);
	tcase_add_test(tc, test_peercfg_full);
	tcase_add_test(tc, test_peercfg_defaults);
	tcase_add_test(tc, test_peercfg_node);
	tcase_add_loop_test(tc, test_peercfg_id_text, 0,
			    (int)(sizeof(id_text_cases) / sizeof(id_text_cases[0])));
	tcase_add_test(tc, test_peercfg_id_text_dn);
	tcase_add_test(tc, test_peercfg_crl);
	tcase_add_test(tc, test_peercfg_psks_only);
	tcase_add_test(tc, test_peercfg_doc_example);
	suite_add_tcase(s, tc);
	return s;
}
