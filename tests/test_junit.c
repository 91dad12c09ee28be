/* report/junit: reports written, read back with libxml2, validated against
 * tests/junit/junit.xsd (and by xmllint when present), merged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "report/junit.h"
#include "tests.h"

/* 1 May 2024 12:00:00 UTC */
#define JT_WHEN ((time_t)1714564800)

/* Bytes a timeline may carry: 0x01, 0xff, a NUL, "]]>", markup. */
static const char jt_timeline[] = "0.000 -> MM1 SA (AES-CBC-128, SHA1, MODP-2048)\n"
				  "0.012 <- MM2 SA\n"
				  "0.020 -> MM3 KE NONCE \x01 raw\xff byte\n"
				  "0.031 <- N(NO-PROPOSAL-CHOSEN (14)) ]]> <&> \"q\"\n"
				  "nul:\0:end\n";
/* The same as it must read back: the bad bytes as U+FFFD. */
static const char jt_timeline_read[] = "0.000 -> MM1 SA (AES-CBC-128, SHA1, MODP-2048)\n"
				       "0.012 <- MM2 SA\n"
				       "0.020 -> MM3 KE NONCE \xEF\xBF\xBD raw\xEF\xBF\xBD byte\n"
				       "0.031 <- N(NO-PROPOSAL-CHOSEN (14)) ]]> <&> \"q\"\n"
				       "nul:\xEF\xBF\xBD:end\n";

static char jt_dir[64];

static void jt_setup(void)
{
	strcpy(jt_dir, "/tmp/ikec-junit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(jt_dir));
}

static void jt_teardown(void)
{
	char cmd[128], *out;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", jt_dir);
	test_run(cmd, &out);
	free(out);
}

static const char *jt_path(const char *name)
{
	static char paths[4][256];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", jt_dir, name);
	return p;
}

/* ---- reading back ---- */

#define jt_expect(doc, expr, want)                                                          \
	do {                                                                                \
		char *got_ = test_xpath(doc, expr);                                              \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got \"%s\" want \"%s\"", expr, \
			      got_, want);                                                  \
		free(got_);                                                                 \
	} while (0)

/* An independent reader: xmllint, when installed (never a dependency). */
static void jt_xmllint(const char *path)
{
	char cmd[8192], *out;
	int have = test_run("command -v xmllint", &out);
	free(out);
	if (have != 0) {
		test_skip("junit xmllint", "xmllint is not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	int rc = test_run(cmd, &out);
	ck_assert_msg(rc == 0, "xmllint --noout %s: %s", path, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s'",
		 test_src_path("tests/junit/junit.xsd"), path);
	rc = test_run(cmd, &out);
	ck_assert_msg(rc == 0, "xmllint --schema %s: %s", path, out);
	free(out);
}

/* ---- the report under test ---- */

static void jt_suite_a(struct junit *j)
{
	struct junit_suite *s = junit_suite(j, "main-mode", "suites/main-mode.yaml", "ci-host");
	junit_suite_timestamp(s, JT_WHEN);
	junit_suite_property(s, "peer", "strongswan 5.9.8");
	struct junit_case *c = junit_case(s, "main-mode", "mm-psk-aes128", 1.25);
	junit_case_property(c, "ike.encr", "AES-CBC-128");
	junit_case_property(c, "ike.hash", "SHA1");
	junit_case_property(c, "ike.group", "MODP-2048 (14)");
	junit_case_property(c, "esp", "ESP AES-CBC-128 HMAC-SHA1-96");
	junit_case_system_out(c, jt_timeline, sizeof(jt_timeline) - 1);
	c = junit_case(s, "main-mode", "mm-proposal-mismatch", 0.5);
	junit_case_mismatch(c, "phase 1", "NO-PROPOSAL-CHOSEN (14)", "INVALID-PAYLOAD-TYPE (1)",
			    "MM1 sent with 3DES only\nMM2 carried N(INVALID-PAYLOAD-TYPE (1))");
	c = junit_case(s, "main-mode", "mm-rsa-sig", 0.125);
	junit_case_error(c, "setup", "peer did not start", "charon exited with status 1");
	junit_case_system_err(c, "charon: no such file\n", 21);
}

static void jt_suite_b(struct junit *j)
{
	struct junit_suite *s = junit_suite(j, "aggressive-mode", "suites/aggressive.yaml", NULL);
	junit_suite_timestamp(s, JT_WHEN + 61);
	struct junit_case *c = junit_case(s, "aggressive-mode", "am-psk", 0);
	junit_case_skipped(c, "peer config disables aggressive mode");
	c = junit_case(s, "aggressive-mode", "am-timeout", 3.5);
	junit_case_failure(c, "timeout", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply", NULL);
	c = junit_case(s, "aggressive-mode", "am-ok", 10.0004);
	junit_suite_system_out(s, "teardown: namespaces removed\n", 29);
}

static void jt_check_suite_a(xmlDocPtr d, const char *s)
{
	char e[256];
#define JT(expr, want)                                          \
	do {                                                    \
		snprintf(e, sizeof(e), "%s%s", s, expr);        \
		jt_expect(d, e, want);                          \
	} while (0)
#define JTN(expr, want)                                         \
	do {                                                    \
		snprintf(e, sizeof(e), "count(%s%s)", s, expr); \
		jt_expect(d, e, want);                          \
	} while (0)
	JT("/@name", "main-mode");
	JT("/@tests", "3");
	JT("/@failures", "1");
	JT("/@errors", "1");
	JT("/@skipped", "0");
	JT("/@time", "1.875");
	JT("/@timestamp", "2024-05-01T12:00:00");
	JT("/@hostname", "ci-host");
	JT("/properties/property[1]/@name", "file");
	JT("/properties/property[1]/@value", "suites/main-mode.yaml");
	JT("/properties/property[2]/@name", "peer");
	JT("/properties/property[2]/@value", "strongswan 5.9.8");
	JT("/testcase[1]/@name", "mm-psk-aes128");
	JT("/testcase[1]/@classname", "main-mode");
	JT("/testcase[1]/@time", "1.250");
	JT("/testcase[1]/properties/property[3]/@name", "ike.group");
	JT("/testcase[1]/properties/property[3]/@value", "MODP-2048 (14)");
	JT("/testcase[1]/properties/property[4]/@value", "ESP AES-CBC-128 HMAC-SHA1-96");
	JT("/testcase[1]/system-out", jt_timeline_read);
	JTN("/testcase[1]/*[self::failure or self::error or self::skipped]", "0");
	JT("/testcase[2]/@time", "0.500");
	JT("/testcase[2]/failure/@type", "mismatch");
	JT("/testcase[2]/failure/@message",
	   "phase 1: expected NO-PROPOSAL-CHOSEN (14), seen INVALID-PAYLOAD-TYPE (1)");
	JT("/testcase[2]/failure",
	   "MM1 sent with 3DES only\nMM2 carried N(INVALID-PAYLOAD-TYPE (1))");
	JT("/testcase[3]/@time", "0.125");
	JT("/testcase[3]/error/@type", "setup");
	JT("/testcase[3]/error/@message", "peer did not start");
	JT("/testcase[3]/error", "charon exited with status 1");
	JT("/testcase[3]/system-err", "charon: no such file\n");
#undef JT
#undef JTN
}

static void jt_check_suite_b(xmlDocPtr d, const char *s)
{
	char e[256];
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
#define JT(expr, want)                                          \
	do {                                                    \
		snprintf(e, sizeof(e), "%s%s", s, expr);        \
		jt_expect(d, e, want);                          \
	} while (0)
#define JTN(expr, want)                                         \
	do {                                                    \
		snprintf(e, sizeof(e), "count(%s%s)", s, expr); \
		jt_expect(d, e, want);                          \
	} while (0)
	JT("/@name", "aggressive-mode");
	JT("/@tests", "3");
	JT("/@failures", "1");
	JT("/@errors", "0");
	JT("/@skipped", "1");
	JT("/@time", "13.500");
	JT("/@timestamp", "2024-05-01T12:01:01");
	JT("/@hostname", host[0] ? host : "localhost");
	JT("/properties/property[1]/@value", "suites/aggressive.yaml");
	JT("/testcase[1]/skipped/@message", "peer config disables aggressive mode");
	JTN("/testcase[1]/skipped/@type", "0");
	JT("/testcase[1]/@time", "0.000");
	JT("/testcase[2]/failure/@type", "timeout");
	JT("/testcase[2]/failure/@message", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply");
	JT("/testcase[3]/@time", "10.000");
	JTN("/testcase[3]/*", "0");
	JT("/system-out", "teardown: namespaces removed\n");
#undef JT
#undef JTN
}

START_TEST(test_junit_write)
{
	struct junit *j = junit_new("ike-conform");
	jt_suite_a(j);
	jt_suite_b(j);
	struct junit_totals t = junit_totals(j);
	ck_assert_uint_eq(t.tests, 6);
	ck_assert_uint_eq(t.failures, 2);
	ck_assert_uint_eq(t.errors, 1);
	ck_assert_uint_eq(t.skipped, 1);
	char err[512];
	const char *path = jt_path("report.xml");
	ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
	junit_free(j);

	/* No byte XML 1.0 forbids reached the file, and "]]>" is escaped. */
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char raw[16384];
	size_t n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[n] = '\0';
	ck_assert_uint_eq(strlen(raw), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg((unsigned char)raw[i] >= 0x20 || raw[i] == '\n' || raw[i] == '\t' ||
			      raw[i] == '\r', "control byte 0x%02x at %zu", raw[i], i);
	ck_assert_ptr_null(strstr(raw, "\xff"));
	ck_assert_ptr_null(strstr(raw, "]]>"));
	ck_assert_ptr_nonnull(strstr(raw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));

	xmlDocPtr d = test_junit_valid(path);
	jt_xmllint(path);
	jt_expect(d, "/testsuites/@name", "ike-conform");
	jt_expect(d, "/testsuites/@tests", "6");
	jt_expect(d, "/testsuites/@failures", "2");
	jt_expect(d, "/testsuites/@errors", "1");
	jt_expect(d, "/testsuites/@skipped", "1");
	jt_expect(d, "/testsuites/@time", "15.375");
	jt_expect(d, "/testsuites/@timestamp", "2024-05-01T12:00:00");
	jt_expect(d, "count(/testsuites/testsuite)", "2");
	jt_expect(d, "/testsuites/testsuite[1]/@id", "0");
	jt_expect(d, "/testsuites/testsuite[2]/@id", "1");
	jt_check_suite_a(d, "/testsuites/testsuite[1]");
	jt_check_suite_b(d, "/testsuites/testsuite[2]");
	xmlFreeDoc(d);
}
END_TEST

/* Strings of every kind survive or are replaced, never break the file. */
START_TEST(test_junit_text)
{
	struct junit *j = junit_new("utf8 \xc3\xa9t\xc3\xa9");
	struct junit_suite *s = junit_suite(j, "bad \xc0\xaf overlong", NULL, "h\x02st");
	junit_suite_timestamp(s, JT_WHEN);
	struct junit_case *c = junit_case(s, "c\x1b[31m", "emoji \xf0\x9f\x94\x91 surrogate \xed\xa0\x80!",
					  -1);
	junit_case_property(c, "a\"b'<c>", "tab\there\nline \xef\xbf\xbe");
	junit_case_skipped(c, "cut \xe2\x82");
	char err[512];
	const char *path = jt_path("text.xml");
	ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
	junit_free(j);
	xmlDocPtr d = test_junit_valid(path);
	jt_xmllint(path);
	jt_expect(d, "/testsuites/@name", "utf8 \xc3\xa9t\xc3\xa9");
	jt_expect(d, "//testsuite/@name", "bad \xEF\xBF\xBD\xEF\xBF\xBD overlong");
	jt_expect(d, "//testsuite/@hostname", "h\xEF\xBF\xBDst");
	jt_expect(d, "//testcase/@classname", "c\xEF\xBF\xBD[31m");
	jt_expect(d, "//testcase/@name",
		  "emoji \xf0\x9f\x94\x91 surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!");
	jt_expect(d, "//testcase/@time", "0.000");
	jt_expect(d, "//testcase/properties/property/@name", "a\"b'<c>");
	jt_expect(d, "//testcase/properties/property/@value", "tab\there\nline \xEF\xBF\xBD");
	jt_expect(d, "//testcase/skipped/@message", "cut \xEF\xBF\xBD\xEF\xBF\xBD");
	jt_expect(d, "count(//testcase/system-out)", "0");
	xmlFreeDoc(d);
}
END_TEST

START_TEST(test_junit_unwritable)
{
	struct junit *j = junit_new(NULL);
	junit_case(junit_suite(j, "s", NULL, NULL), "s", "c", 1);
	char err[512] = "";
	const char *bad = "/nonexistent-ikec-junit/dir/report.xml";
	ck_assert(!junit_write(j, bad, err, sizeof(err)));
	ck_assert_msg(strstr(err, bad) && strstr(err, "No such file"), "%s", err);
	/* A folder where the file should be. */
	ck_assert(!junit_write(j, jt_dir, err, sizeof(err)));
	ck_assert_msg(strstr(err, jt_dir) != NULL, "%s", err);
	junit_free(j);
}
END_TEST

START_TEST(test_junit_merge)
{
	char err[512];
	struct junit *a = junit_new("shard-1"), *b = junit_new("shard-2");
	jt_suite_a(a);
	jt_suite_b(b);
	const char *pa = jt_path("a.xml"), *pb = jt_path("b.xml"), *out = jt_path("merged.xml");
	ck_assert_msg(junit_write(a, pa, err, sizeof(err)), "%s", err);
	ck_assert_msg(junit_write(b, pb, err, sizeof(err)), "%s", err);
	junit_free(a);
	junit_free(b);

	const char *two[] = { pa, pb };
	ck_assert_msg(junit_merge(two, 2, out, err, sizeof(err)), "%s", err);
	xmlDocPtr d = test_junit_valid(out);
	jt_xmllint(out);
	jt_expect(d, "/testsuites/@name", "shard-1");
	jt_expect(d, "/testsuites/@tests", "6");
	jt_expect(d, "/testsuites/@failures", "2");
	jt_expect(d, "/testsuites/@errors", "1");
	jt_expect(d, "/testsuites/@skipped", "1");
	jt_expect(d, "/testsuites/@time", "15.375");
	jt_expect(d, "/testsuites/@timestamp", "2024-05-01T12:00:00");
	jt_expect(d, "count(/testsuites/testsuite)", "2");
	jt_expect(d, "/testsuites/testsuite[1]/@id", "0");
	jt_expect(d, "/testsuites/testsuite[2]/@id", "1"); /* both were 0 */
	jt_check_suite_a(d, "/testsuites/testsuite[1]");
	jt_check_suite_b(d, "/testsuites/testsuite[2]");
	xmlFreeDoc(d);

	/* A third shard as Ant writes it (one testsuite root, wrong counts),
	 * merged into the merged file in place. */
	const char *three[] = { out, test_src_path("tests/junit/ant-single.xml") };
	ck_assert_msg(junit_merge(three, 2, out, err, sizeof(err)), "%s", err);
	d = test_junit_valid(out);
	jt_expect(d, "count(/testsuites/testsuite)", "3");
	jt_expect(d, "/testsuites/@tests", "8");
	jt_expect(d, "/testsuites/@failures", "3");
	jt_expect(d, "/testsuites/@errors", "1");
	jt_expect(d, "/testsuites/@skipped", "1");
	jt_expect(d, "/testsuites/@time", "19.875");
	jt_expect(d, "/testsuites/@timestamp", "2024-04-30T08:00:00");
	jt_expect(d, "/testsuites/testsuite[3]/@name", "quick-mode");
	jt_expect(d, "/testsuites/testsuite[3]/@tests", "2");
	jt_expect(d, "/testsuites/testsuite[3]/@failures", "1");
	jt_expect(d, "/testsuites/testsuite[3]/@id", "2");
	jt_expect(d, "/testsuites/testsuite[3]/@hostname", "shard-3");
	jt_check_suite_a(d, "/testsuites/testsuite[1]");
	xmlFreeDoc(d);
}
END_TEST

START_TEST(test_junit_merge_refuses)
{
	char err[512] = "";
	struct junit *a = junit_new(NULL);
	jt_suite_a(a);
	const char *pa = jt_path("a.xml"), *out = jt_path("never.xml");
	ck_assert_msg(junit_write(a, pa, err, sizeof(err)), "%s", err);
	junit_free(a);

	const char *html = test_src_path("tests/junit/not-junit.xml");
	const char *one[] = { pa, html };
	ck_assert(!junit_merge(one, 2, out, err, sizeof(err)));
	ck_assert_msg(strstr(err, html) && strstr(err, "not a JUnit report") &&
			      strstr(err, "<html>"),
		      "%s", err);

	const char *junk = jt_path("junk.xml");
	FILE *f = fopen(junk, "w");
	ck_assert_ptr_nonnull(f);
	fputs("<testsuites><testsuite name=\"x\">\n", f);
	fclose(f);
	const char *two[] = { junk, pa };
	ck_assert(!junit_merge(two, 2, out, err, sizeof(err)));
	ck_assert_msg(strstr(err, junk) && strstr(err, "not well-formed"), "%s", err);

	const char *missing = jt_path("missing.xml");
	const char *three[] = { pa, missing };
	ck_assert(!junit_merge(three, 2, out, err, sizeof(err)));
	ck_assert_msg(strstr(err, missing) != NULL, "%s", err);

	struct stat st;
	ck_assert_msg(stat(out, &st) != 0, "a refused merge wrote %s", out);
}
END_TEST

/* ike-conform merge: the command around junit_merge. */
START_TEST(test_junit_merge_command)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		test_skip("merge command", "no ike-conform binary (IKEC_BIN; run through make check)");
		return;
	}
	char err[512], cmd[2048], *out = NULL;
	struct junit *a = junit_new("shard-1"), *b = junit_new("shard-2");
	jt_suite_a(a);
	jt_suite_b(b);
	const char *pa = jt_path("ca.xml"), *pb = jt_path("cb.xml"), *po = jt_path("cm.xml");
	ck_assert_msg(junit_write(a, pa, err, sizeof(err)), "%s", err);
	ck_assert_msg(junit_write(b, pb, err, sizeof(err)), "%s", err);
	junit_free(a);
	junit_free(b);
	snprintf(cmd, sizeof(cmd), "'%s' merge -o '%s' '%s' '%s'", bin, po, pa, pb);
	ck_assert_int_eq(test_run(cmd, &out), 0);
	ck_assert_msg(strstr(out, "merged 2 reports into "), "%s", out);
	free(out);
	xmlFreeDoc(test_junit_valid(po));
	/* refusals: usage (2), a file that is not JUnit (2, named) */
	snprintf(cmd, sizeof(cmd), "'%s' merge '%s'", bin, pa);
	ck_assert_int_eq(test_run(cmd, &out), 2);
	ck_assert_msg(strstr(out, "-o OUT is required"), "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "'%s' merge -o '%s' '%s'", bin, jt_path("x.xml"),
		 test_src_path("tests/junit/not-junit.xml"));
	ck_assert_int_eq(test_run(cmd, &out), 2);
	ck_assert_msg(strstr(out, "not-junit.xml") && strstr(out, "not a JUnit report"), "%s", out);
	free(out);
}
END_TEST

Suite *suite_junit(void)
{
	Suite *s = suite_create("junit");
	TCase *tc = tcase_create("junit");
	tcase_add_checked_fixture(tc, jt_setup, jt_teardown);
	tcase_add_test(tc, test_junit_write);
	tcase_add_test(tc, test_junit_text);
	tcase_add_test(tc, test_junit_unwritable);
	tcase_add_test(tc, test_junit_merge);
	tcase_add_test(tc, test_junit_merge_refuses);
	tcase_add_test(tc, test_junit_merge_command);
	suite_add_tcase(s, tc);
	return s;
}
