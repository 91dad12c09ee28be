/* vici: the strongSwan control protocol's codec (build and parse round
 * trips, cut and lying lengths refused with their offsets, misuse of the
 * builder), its --pretty text against swanctl's own for captured packets
 * (tests/strongswan/list-sa.*), and the load requests of a swanctl.conf
 * against the ones swanctl sent for it (tests/strongswan/load-*). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peers/strongswan/strongswan.h"
#include "peers/strongswan/vici.h"
#include "wire/msg.h"
#include "tests.h"

/* --- round trips --- */

/* One element of a table row; a row ends at type 0. */
struct vici_row_elem {
	uint8_t type;
	const char *name;
	const char *value;
};

static const struct {
	const char *what;
	struct vici_row_elem e[12];
} vici_rows[] = {
	{ "empty message", { { 0, NULL, NULL } } },
	{ "one key", { { VICI_KEY_VALUE, "success", "yes" } } },
	{ "empty value and list", {
		{ VICI_KEY_VALUE, "errmsg", "" },
		{ VICI_LIST_START, "conns", NULL },
		{ VICI_LIST_END, NULL, NULL } } },
	{ "a connection", {
		{ VICI_SECTION_START, "c1", NULL },
		{ VICI_KEY_VALUE, "version", "1" },
		{ VICI_LIST_START, "proposals", NULL },
		{ VICI_LIST_ITEM, NULL, "aes128-sha256-modp2048" },
		{ VICI_LIST_ITEM, NULL, "3des-sha1-modp1024" },
		{ VICI_LIST_END, NULL, NULL },
		{ VICI_SECTION_START, "local", NULL },
		{ VICI_KEY_VALUE, "auth", "psk" },
		{ VICI_SECTION_END, NULL, NULL },
		{ VICI_SECTION_END, NULL, NULL } } },
	{ "nested sections", {
		{ VICI_SECTION_START, "a", NULL },
		{ VICI_SECTION_START, "b", NULL },
		{ VICI_SECTION_START, "c", NULL },
		{ VICI_KEY_VALUE, "k", "v" },
		{ VICI_SECTION_END, NULL, NULL },
		{ VICI_SECTION_END, NULL, NULL },
		{ VICI_SECTION_END, NULL, NULL },
		{ VICI_KEY_VALUE, "after", "x" } } },
};

static void vici_build_row(struct vici_msg *m, const struct vici_row_elem *e)
{
	for (; e->type; e++) {
		switch (e->type) {
		case VICI_SECTION_START: vici_section(m, e->name); break;
		case VICI_SECTION_END: vici_section_end(m); break;
		case VICI_KEY_VALUE: vici_kv_str(m, e->name, e->value); break;
		case VICI_LIST_START: vici_list(m, e->name); break;
		case VICI_LIST_ITEM: vici_item_str(m, e->value); break;
		case VICI_LIST_END: vici_list_end(m); break;
		}
	}
}

/* Each row built as a named request, the packet parsed back: the same
 * elements in the same order, depths as opened, the length prefix right. */
START_TEST(test_vici_roundtrip)
{
	struct vici_msg m;
	char err[200];
	vici_msg_begin(&m, VICI_CMD_REQUEST, "load-conn");
	vici_build_row(&m, vici_rows[_i].e);
	ck_assert_msg(vici_msg_end(&m, err, sizeof(err)), "%s: %s", vici_rows[_i].what, err);
	ck_assert_uint_ge(m.w.len, 4);
	uint32_t n = (uint32_t)m.w.p[0] << 24 | (uint32_t)m.w.p[1] << 16 |
		     (uint32_t)m.w.p[2] << 8 | m.w.p[3];
	ck_assert_uint_eq(n, m.w.len - 4);
	struct vici_packet pk;
	ck_assert_msg(vici_packet_parse(m.w.p + 4, n, &pk, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(pk.type, VICI_CMD_REQUEST);
	ck_assert_str_eq(pk.name, "load-conn");
	struct vici_reader vr;
	struct vici_elem e;
	vici_reader_init(&vr, pk.msg, pk.len);
	int depth = 0;
	for (const struct vici_row_elem *want = vici_rows[_i].e; want->type; want++) {
		ck_assert_int_eq(vici_next(&vr, &e, err, sizeof(err)), 1);
		ck_assert_uint_eq(e.type, want->type);
		if (want->type == VICI_SECTION_END)
			depth--;
		ck_assert_int_eq(e.depth, depth);
		if (want->type == VICI_SECTION_START)
			depth++;
		if (want->name)
			ck_assert_str_eq(e.name, want->name);
		if (want->value) {
			ck_assert_uint_eq(e.len, strlen(want->value));
			ck_assert(memcmp(e.value, want->value, e.len) == 0);
		}
	}
	ck_assert_msg(vici_next(&vr, &e, err, sizeof(err)) == 0, "%s: trailing elements",
		      vici_rows[_i].what);
	vici_msg_free(&m);
}
END_TEST

/* The bytes themselves, for one small message worked out by hand from
 * the format: type, 8-bit name length and name, 16-bit value length. */
START_TEST(test_vici_bytes)
{
	struct vici_msg m;
	char err[200];
	vici_msg_begin(&m, VICI_EVENT, "ev");
	vici_section(&m, "s");
	vici_kv_str(&m, "k", "vv");
	vici_list(&m, "l");
	vici_item_str(&m, "i");
	vici_list_end(&m);
	vici_section_end(&m);
	ck_assert_msg(vici_msg_end(&m, err, sizeof(err)), "%s", err);
	static const uint8_t want[] = {
		0, 0, 0, 23,                /* length after these four bytes */
		7, 2, 'e', 'v',             /* EVENT "ev" */
		1, 1, 's',                  /* section s */
		3, 1, 'k', 0, 2, 'v', 'v',  /* k = vv */
		4, 1, 'l',                  /* list l */
		5, 0, 1, 'i',               /* item i */
		6, 2,                       /* list end, section end */
	};
	ck_assert_uint_eq(m.w.len, sizeof(want));
	ck_assert(memcmp(m.w.p, want, sizeof(want)) == 0);
	/* an unnamed type has no name byte; a value lookup at the top only */
	vici_msg_free(&m);
	vici_msg_begin(&m, VICI_CMD_RESPONSE, NULL);
	vici_kv_str(&m, "success", "no");
	vici_kv_str(&m, "errmsg", "no matching SAs to terminate found");
	ck_assert(vici_msg_end(&m, err, sizeof(err)));
	ck_assert_uint_eq(m.w.p[4], VICI_CMD_RESPONSE);
	ck_assert_uint_eq(m.w.p[5], VICI_KEY_VALUE);
	char v[64];
	ck_assert(vici_find_str(m.w.p + 5, m.w.len - 5, "errmsg", v, sizeof(v)));
	ck_assert_str_eq(v, "no matching SAs to terminate found");
	ck_assert(!vici_find_str(m.w.p + 5, m.w.len - 5, "matches", v, sizeof(v)));
	vici_msg_free(&m);
	vici_msg_begin(&m, VICI_CMD_RESPONSE, NULL);
	vici_section(&m, "sec");
	vici_kv_str(&m, "success", "yes");
	vici_section_end(&m);
	ck_assert(vici_msg_end(&m, err, sizeof(err)));
	ck_assert_msg(!vici_find_str(m.w.p + 5, m.w.len - 5, "success", v, sizeof(v)),
		      "a key in a section is not the top level's");
	vici_msg_free(&m);
}
END_TEST

/* --- refusals --- */

static const struct {
	const char *what;
	uint8_t msg[16];
	size_t len;
	const char *err;
} vici_bad[] = {
	{ "value longer than the rest", { 3, 1, 'k', 0x01, 0x2c, 'a', 'b' }, 7,
	  "KEY_VALUE at offset 0: value of 300 bytes, 2 left" },
	{ "value length cut", { 3, 1, 'k', 0 }, 4, "KEY_VALUE at offset 0: value length cut off" },
	{ "name longer than the rest", { 1, 1, 'a', 1, 9, 'x' }, 6,
	  "SECTION_START at offset 3: name of 9 bytes, 1 left" },
	{ "name length missing", { 4 }, 1, "LIST_START at offset 0: name length cut off" },
	{ "item value lies", { 4, 1, 'l', 5, 0, 4, 'a' }, 7,
	  "LIST_ITEM at offset 3: value of 4 bytes, 1 left" },
	{ "unknown element", { 3, 1, 'k', 0, 0, 9 }, 6, "unknown element type 9 at offset 5" },
	{ "element type 0", { 0 }, 1, "unknown element type 0 at offset 0" },
	{ "section end at the top", { 2 }, 1, "SECTION_END at offset 0 outside a section" },
	{ "item outside a list", { 5, 0, 0 }, 3, "LIST_ITEM at offset 0 outside a list" },
	{ "list end outside a list", { 6 }, 1, "LIST_END at offset 0 outside a list" },
	{ "key in a list", { 4, 1, 'l', 3, 1, 'k', 0, 0 }, 8,
	  "KEY_VALUE at offset 3 inside a list" },
	{ "list in a list", { 4, 1, 'l', 4, 1, 'm' }, 6, "LIST_START at offset 3 inside a list" },
	{ "section left open", { 1, 1, 's', 3, 1, 'k', 0, 0 }, 8,
	  "ends at offset 8 inside a section" },
	{ "list left open", { 4, 1, 'l', 5, 0, 0 }, 6, "ends at offset 6 inside a list" },
};

START_TEST(test_vici_refused)
{
	char err[200] = "";
	ck_assert_msg(!vici_check(vici_bad[_i].msg, vici_bad[_i].len, err, sizeof(err)),
		      "%s: accepted", vici_bad[_i].what);
	ck_assert_msg(strstr(err, vici_bad[_i].err), "%s: '%s'", vici_bad[_i].what, err);
	struct writer w;
	writer_init(&w);
	ck_assert(!vici_pretty(vici_bad[_i].msg, vici_bad[_i].len, "x", &w, err, sizeof(err)));
	ck_assert_msg(strstr(err, vici_bad[_i].err), "%s: pretty: '%s'", vici_bad[_i].what, err);
	writer_free(&w);
}
END_TEST

/* Every cut of a message whose last byte closes its section is refused,
 * and the error names an offset inside what was left. */
START_TEST(test_vici_every_cut)
{
	struct vici_msg m;
	char err[200];
	vici_msg_begin(&m, VICI_CMD_RESPONSE, NULL);
	vici_build_row(&m, vici_rows[3].e);
	ck_assert(vici_msg_end(&m, err, sizeof(err)));
	const uint8_t *msg = m.w.p + 5;
	size_t len = m.w.len - 5;
	ck_assert(vici_check(msg, len, err, sizeof(err)));
	for (size_t n = 1; n < len; n++) {
		uint8_t *cut = malloc(n);  /* exactly n bytes: the sanitizer sees overreads */
		memcpy(cut, msg, n);
		ck_assert_msg(!vici_check(cut, n, err, sizeof(err)), "cut at %zu accepted", n);
		const char *at = strstr(err, "offset ");
		ck_assert_msg(at, "cut at %zu: '%s'", n, err);
		ck_assert_msg(strtoul(at + 7, NULL, 10) <= n, "cut at %zu: '%s'", n, err);
		free(cut);
	}
	vici_msg_free(&m);
}
END_TEST

/* Packets: the types that carry a name or a message, lies refused. */
START_TEST(test_vici_packets)
{
	struct vici_packet pk;
	char err[200];
	static const uint8_t confirm[] = { VICI_EVENT_CONFIRM };
	ck_assert(vici_packet_parse(confirm, 1, &pk, err, sizeof(err)));
	ck_assert(pk.type == VICI_EVENT_CONFIRM && pk.len == 0 && !pk.name[0]);
	static const uint8_t confirm_more[] = { VICI_EVENT_CONFIRM, 0 };
	ck_assert(!vici_packet_parse(confirm_more, 2, &pk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "EVENT_CONFIRM with 1 bytes after offset 1"), "%s", err);
	static const uint8_t event[] = { VICI_EVENT, 3, 'a', 'b', 'c', 3, 1, 'k', 0, 0 };
	ck_assert(vici_packet_parse(event, sizeof(event), &pk, err, sizeof(err)));
	ck_assert_str_eq(pk.name, "abc");
	ck_assert(pk.msg == event + 5 && pk.len == 5);
	static const uint8_t lying[] = { VICI_EVENT, 9, 'a' };
	ck_assert(!vici_packet_parse(lying, sizeof(lying), &pk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "EVENT name at offset 1: 9 bytes, 1 left"), "%s", err);
	static const uint8_t noname[] = { VICI_CMD_REQUEST };
	ck_assert(!vici_packet_parse(noname, 1, &pk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "name length cut off"), "%s", err);
	static const uint8_t unknown[] = { 8 };
	ck_assert(!vici_packet_parse(unknown, 1, &pk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "unknown type 8"), "%s", err);
	ck_assert(!vici_packet_parse(unknown, 0, &pk, err, sizeof(err)));
	ck_assert_msg(strstr(err, "empty"), "%s", err);
}
END_TEST

/* The builder remembers its first misuse and says what it was. */
START_TEST(test_vici_misuse)
{
	static char big[70000];
	memset(big, 'a', sizeof(big) - 1);
	struct vici_msg m;
	char err[200];
	struct {
		const char *want;
		int step;
	} rows[] = {
		{ "key name longer than 255 bytes", 0 },
		{ "value of 69999 bytes (at most 65535)", 1 },
		{ "LIST_ITEM outside a list", 2 },
		{ "KEY_VALUE inside a list", 3 },
		{ "1 section(s) left open", 4 },
		{ "a list left open", 5 },
		{ "SECTION_END without a section", 6 },
		{ "packet of", 7 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		vici_msg_begin(&m, VICI_CMD_REQUEST, "x");
		switch (rows[i].step) {
		case 0: vici_kv_str(&m, big + sizeof(big) - 257, "v"); break;
		case 1: vici_kv_str(&m, "k", big); break;
		case 2: vici_item_str(&m, "i"); break;
		case 3: vici_list(&m, "l"); vici_kv_str(&m, "k", "v"); vici_list_end(&m); break;
		case 4: vici_section(&m, "s"); break;
		case 5: vici_list(&m, "l"); break;
		case 6: vici_section_end(&m); break;
		case 7:
			for (int k = 0; k < 9; k++)
				vici_kv(&m, "k", big, 65535);
			break;
		}
		ck_assert_msg(!vici_msg_end(&m, err, sizeof(err)), "row %zu accepted", i);
		ck_assert_msg(strstr(err, rows[i].want), "row %zu: '%s'", i, err);
		vici_msg_free(&m);
	}
}
END_TEST

/* --- captured from strongSwan 5.9.8 --- */

static char *vici_slurp(const char *rel, size_t *len)
{
	FILE *f = fopen(test_src_path(rel), "rb");
	ck_assert_msg(f, "%s: cannot open (IKEC_SRCDIR?)", test_src_path(rel));
	struct writer w;
	writer_init(&w);
	ck_assert(writer_read(&w, f, 1 << 20));
	fclose(f);
	writer_u8(&w, 0);
	*len = w.len - 1;
	return (char *)w.p;
}

/* The packets charon sent to `swanctl --list-sas --pretty` rendered as
 * it printed them: the same text, byte for byte, and our list-sas reader
 * takes the SA from it. */
START_TEST(test_vici_pretty_captured)
{
	size_t len, tlen;
	char *raw = vici_slurp("tests/strongswan/list-sa.vici", &len);
	char *want = vici_slurp("tests/strongswan/list-sa.pretty", &tlen);
	struct writer out;
	writer_init(&out);
	char err[200];
	size_t off = 0, events = 0;
	while (off < len) {
		ck_assert_uint_ge(len - off, 4);
		const uint8_t *p = (const uint8_t *)raw + off;
		size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		ck_assert_uint_le(n, len - off - 4);
		struct vici_packet pk;
		ck_assert_msg(vici_packet_parse(p + 4, n, &pk, err, sizeof(err)), "%s", err);
		if (pk.type == VICI_EVENT) {
			ck_assert_str_eq(pk.name, "list-sa");
			ck_assert(vici_pretty(pk.msg, pk.len, "list-sa event", &out, err, sizeof(err)));
			events++;
		} else if (pk.type == VICI_CMD_RESPONSE) {
			ck_assert(vici_pretty(pk.msg, pk.len, "list-sas reply", &out, err, sizeof(err)));
		}
		off += 4 + n;
	}
	ck_assert_uint_ge(events, 1);
	ck_assert_uint_eq(out.len, tlen);
	ck_assert_msg(memcmp(out.p, want, tlen) == 0, "rendered:\n%.*s\nswanctl:\n%s",
		      (int)out.len, (const char *)out.p, want);
	ck_assert_uint_eq(out.p[out.len], 0);
	struct peer_sa_view v;
	ck_assert_msg(strongswan_parse_sas((const char *)out.p, "cap", &v, err, sizeof(err)), "%s",
		      err);
	ck_assert(v.present && v.child.present);
	uint32_t ids[4];
	ck_assert_uint_eq(strongswan_parse_ike_ids((const char *)out.p, ids, 4), 1);
	writer_free(&out);
	free(raw);
	free(want);
}
END_TEST

/* A value that is not text is shown as hex, at any depth. */
START_TEST(test_vici_pretty_hex)
{
	struct vici_msg m;
	char err[200];
	vici_msg_begin(&m, VICI_CMD_RESPONSE, NULL);
	vici_kv(&m, "bin", "\x01\xab", 2);
	vici_section(&m, "s");
	vici_list(&m, "l");
	vici_item(&m, "a\n", 2);
	vici_item_str(&m, "text");
	vici_list_end(&m);
	vici_section_end(&m);
	ck_assert(vici_msg_end(&m, err, sizeof(err)));
	struct writer w;
	writer_init(&w);
	ck_assert(vici_pretty(m.w.p + 5, m.w.len - 5, "r", &w, err, sizeof(err)));
	ck_assert_str_eq((const char *)w.p, "r {\n  bin = 0x01ab\n  s {\n    l = [\n      0x610a\n"
			 "      text\n    ]\n  }\n}\n");
	writer_free(&w);
	vici_msg_free(&m);
}
END_TEST

/* The requests swanctl sent for a swanctl.conf, less the ones that only
 * list what to unload (nothing is left after clear-creds) and get-conns,
 * against ours for the same file: the same packets, in the same order. */
static void vici_load_compare(const char *folder)
{
	char rel[128], file[4096], err[300];
	snprintf(rel, sizeof(rel), "tests/strongswan/%s.vici", folder);
	size_t len, tlen;
	char *raw = vici_slurp(rel, &len);
	snprintf(rel, sizeof(rel), "tests/strongswan/%s/swanctl.conf", folder);
	char *text = vici_slurp(rel, &tlen);
	snprintf(file, sizeof(file), "%s", test_src_path(rel));
	struct strongswan_load l;
	ck_assert_msg(strongswan_load_build(text, file, &l, err, sizeof(err)), "%s", err);
	size_t off = 0, k = 0;
	while (off < len) {
		const uint8_t *p = (const uint8_t *)raw + off;
		size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		struct vici_packet pk;
		ck_assert(vici_packet_parse(p + 4, n, &pk, err, sizeof(err)));
		off += 4 + n;
		if (strncmp(pk.name, "get-", 4) == 0)
			continue;
		ck_assert_msg(k < l.n, "%s: swanctl sent %s, we have no more", folder, pk.name);
		const struct vici_msg *m = &l.req[k].msg;
		ck_assert_msg(m->w.len == 4 + n && memcmp(m->w.p, p, 4 + n) == 0,
			      "%s: request %zu (%s) differs from swanctl's", folder, k, pk.name);
		ck_assert_int_eq(l.req[k].conn, strcmp(pk.name, "load-conn") == 0);
		k++;
	}
	ck_assert_msg(k == l.n, "%s: %zu requests of ours, swanctl sent %zu", folder, l.n, k);
	strongswan_load_free(&l);
	free(raw);
	free(text);
}

START_TEST(test_vici_load_captured)
{
	vici_load_compare("load-psk");
	vici_load_compare("load-rsa");
}
END_TEST

/* What the loader does not take, with the file, line and what. */
START_TEST(test_vici_load_refused)
{
	static const struct {
		const char *text;
		const char *err;
	} rows[] = {
		{ "pools {\n}\n", "/t/swanctl.conf:1: 'pools': only connections and secrets" },
		{ "connections {\n c : base {\n }\n}\n", ":2: section name 'c : base' is not" },
		{ "connections {\n c {\n  a = 1\n  a = 2\n }\n}\n", ":4: 'a' again (first on line 3)" },
		{ "connections {\n c {\n  id = \"x\\\"\"\n }\n}\n", ":3: id: a quoted value" },
		{ "connections {\n c {\n", "section 'c' not closed at the end" },
		{ "}\n", ":1: '}' without a section" },
		{ "include x.conf\n", ":1: expected 'key = value', 'name {' or '}'" },
		{ "secrets {\n private-k {\n  file = k.pem\n  secret = pw\n }\n}\n",
		  ":2: secrets.private-k: only shared secrets" },
		{ "secrets {\n ike-1 {\n  id = a\n }\n}\n", ":2: secrets.ike-1: needs a secret" },
		{ "secrets {\n ike-1 {\n  secret = 0x123\n }\n}\n", ":3: secrets.ike-1.secret" },
		{ "secrets {\n ike-1 {\n  secret = 0sAAAA\n }\n}\n", ":3: secrets.ike-1.secret" },
		{ "connections {\n c {\n  proposals = a,,b\n }\n}\n", ":3: proposals: an empty item" },
		{ "connections {\n c {\n  local {\n   certs = /nonexistent/x.pem\n  }\n }\n}\n",
		  "reading /nonexistent/x.pem: No such file" },
		{ "connections {\n x = y\n}\n", ":2: connections.x: a key where" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct strongswan_load l;
		char err[300] = "";
		ck_assert_msg(!strongswan_load_build(rows[i].text, "/t/swanctl.conf", &l, err,
						     sizeof(err)), "row %zu accepted", i);
		ck_assert_msg(strstr(err, rows[i].err), "row %zu: '%s'", i, err);
		ck_assert(l.n == 0 && !l.req);
	}
}
END_TEST

/* The folders beside the file: every regular file, in name order, as
 * the folder says; a PKCS#12 container refused. */
START_TEST(test_vici_load_folders)
{
	char dir[] = "/tmp/ikec-vici-XXXXXX", path[256], err[300];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	static const char *const files[] = { "x509ocsp/o.pem", "ecdsa/b.key", "ecdsa/a.key",
					     "x509crl/c.crl" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%.*s", dir,
			 (int)(strchr(files[i], '/') - files[i]), files[i]);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(files[i], f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ecdsa/sub", dir);
	mkdir(path, 0755);  /* not a regular file: skipped */
	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	struct strongswan_load l;
	ck_assert_msg(strongswan_load_build("# nothing\n", path, &l, err, sizeof(err)), "%s", err);
	static const struct {
		const char *command, *type, *flag, *data;
	} want[] = {
		{ "clear-creds", NULL, NULL, NULL },
		{ "load-cert", "X509", "OCSP", "x509ocsp/o.pem" },
		{ "load-cert", "X509_CRL", NULL, "x509crl/c.crl" },
		{ "load-key", "ecdsa", NULL, "ecdsa/a.key" },
		{ "load-key", "ecdsa", NULL, "ecdsa/b.key" },
	};
	ck_assert_uint_eq(l.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < l.n; i++) {
		struct vici_packet pk;
		const struct vici_msg *m = &l.req[i].msg;
		ck_assert(vici_packet_parse(m->w.p + 4, m->w.len - 4, &pk, err, sizeof(err)));
		ck_assert_str_eq(pk.name, want[i].command);
		char v[64];
		if (!want[i].type)
			continue;
		ck_assert(vici_find_str(pk.msg, pk.len, "type", v, sizeof(v)));
		ck_assert_str_eq(v, want[i].type);
		ck_assert_int_eq(vici_find_str(pk.msg, pk.len, "flag", v, sizeof(v)),
				 want[i].flag != NULL);
		if (want[i].flag)
			ck_assert_str_eq(v, want[i].flag);
		ck_assert(vici_find_str(pk.msg, pk.len, "data", v, sizeof(v)));
		ck_assert_str_eq(v, want[i].data);
	}
	strongswan_load_free(&l);
	snprintf(path, sizeof(path), "%s/pkcs12", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pkcs12/c.p12", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	ck_assert(!strongswan_load_build("", path, &l, err, sizeof(err)));
	ck_assert_msg(strstr(err, "PKCS#12 containers need their passwords"), "%s", err);
	test_rm_tree(dir);
}
END_TEST

/* A generated swanctl.conf with PSKs by ID loads as one load-shared per
 * secret, owned by the IDs of its id-N keys in their typed spelling. */
START_TEST(test_vici_load_psks_by_id)
{
	struct peer_case c;
	char err[300], text[4096];
	memset(&c, 0, sizeof(c));
	c.name = "am";
	c.exchange = WIRE_X_AGGR;
	c.auth = IKE_AUTH_PSK;
	c.psk = "fallback";
	ck_assert(ike_p1_parse("aes128-sha256-modp2048", &c.p1[0], err, sizeof(err)));
	ck_assert(ike_p2_parse("aes128-sha256", &c.p2[0], err, sizeof(err)));
	c.np1 = c.np2 = 1;
	ck_assert(netaddr_parse("192.0.2.2", 0, &c.local, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.1", 0, &c.remote, err, sizeof(err)));
	ck_assert(ike_id_parse("fqdn:sun.example.org", &c.local_id, err, sizeof(err)));
	c.remote_id_any = true;
	ck_assert(ike_id_parse("fqdn:moon.example.org", &c.psks[0].id, err, sizeof(err)));
	c.psks[0].psk = "moon-key";
	ck_assert(ike_id_parse("dn:C=CH, CN=carol", &c.psks[1].id, err, sizeof(err)));
	c.psks[1].psk = "carol-key";
	c.npsks = 2;
	ck_assert_msg(strongswan_swanctl_conf(&c, text, sizeof(text), err, sizeof(err)), "%s", err);
	struct strongswan_load l;
	ck_assert_msg(strongswan_load_build(text, "/nonexistent/swanctl.conf", &l, err,
					    sizeof(err)), "%s", err);
	static const char *const want[][2] = {
		{ "ike-am", "  data = fallback\n  owners = [\n    fqdn:sun.example.org\n"
			    "    %any\n  ]\n" },
		{ "ike-am-1", "  data = moon-key\n  owners = [\n    fqdn:moon.example.org\n  ]\n" },
		{ "ike-am-2", "  data = carol-key\n  owners = [\n    asn1dn:#301d310b3009060355040613024348"
			      "310e300c06035504030c056361726f6c\n  ]\n" },
	};
	size_t shared = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct vici_packet pk;
		const struct vici_msg *m = &l.req[i].msg;
		ck_assert(vici_packet_parse(m->w.p + 4, m->w.len - 4, &pk, err, sizeof(err)));
		if (strcmp(pk.name, "load-shared") != 0)
			continue;
		ck_assert_uint_lt(shared, 3);
		char id[32];
		ck_assert(vici_find_str(pk.msg, pk.len, "id", id, sizeof(id)));
		ck_assert_str_eq(id, want[shared][0]);
		struct writer pretty;
		writer_init(&pretty);
		ck_assert_msg(vici_pretty(pk.msg, pk.len, "s", &pretty, err, sizeof(err)), "%s", err);
		ck_assert_msg(strstr((const char *)pretty.p, want[shared][1]), "%s: %s", id,
			      (const char *)pretty.p);
		writer_free(&pretty);
		shared++;
	}
	ck_assert_uint_eq(shared, 3);
	strongswan_load_free(&l);
}
END_TEST

Suite *suite_vici(void)
{
	Suite *s = suite_create("vici");
	TCase *tc = tcase_create("codec");
	tcase_add_loop_test(tc, test_vici_roundtrip, 0, sizeof(vici_rows) / sizeof(vici_rows[0]));
	tcase_add_test(tc, test_vici_bytes);
	tcase_add_loop_test(tc, test_vici_refused, 0, sizeof(vici_bad) / sizeof(vici_bad[0]));
	tcase_add_test(tc, test_vici_every_cut);
	tcase_add_test(tc, test_vici_packets);
	tcase_add_test(tc, test_vici_misuse);
	tcase_add_test(tc, test_vici_pretty_captured);
	tcase_add_test(tc, test_vici_pretty_hex);
	tcase_add_test(tc, test_vici_load_captured);
	tcase_add_test(tc, test_vici_load_refused);
	tcase_add_test(tc, test_vici_load_folders);
	tcase_add_test(tc, test_vici_load_psks_by_id);
	suite_add_tcase(s, tc);
	return s;
}
