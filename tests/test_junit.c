/* report/junit: reports written, read back with libxml2, validated against
 * both JUnit dialects (tests/junit/junit.xsd: xunit's junit-10;
 * tests/junit/junit-4.xsd: dtkit's), and by xmllint when present; what
 * each dialect refuses; what GitLab's documented parsing shows; merged. */
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
/* The same as it must read back: the bad bytes as the text \xNN, after the
 * case's properties as lines and a blank line. */
static const char jt_timeline_read[] = "ike.encr: AES-CBC-128\n"
				       "ike.hash: SHA1\n"
				       "ike.group: MODP-2048 (14)\n"
				       "esp: ESP AES-CBC-128 HMAC-SHA1-96\n"
				       "\n"
				       "0.000 -> MM1 SA (AES-CBC-128, SHA1, MODP-2048)\n"
				       "0.012 <- MM2 SA\n"
				       "0.020 -> MM3 KE NONCE \\x01 raw\\xff byte\n"
				       "0.031 <- N(NO-PROPOSAL-CHOSEN (14)) ]]> <&> \"q\"\n"
				       "nul:\\x00:end\n";

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
	static const char *const dialects[] = { TEST_JUNIT_XSD, TEST_JUNIT4_XSD };
	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s'",
			 test_src_path(dialects[i]), path);
		rc = test_run(cmd, &out);
		ck_assert_msg(rc == 0, "xmllint --schema %s %s: %s", dialects[i], path, out);
		free(out);
	}
}

/* ---- the report under test ---- */

static void jt_suite_a(struct junit *j)
{
	struct junit_suite *s = junit_suite(j, "main-mode", "suites/main-mode.yaml", "ci-host");
	junit_suite_timestamp(s, JT_WHEN);
	junit_suite_property(s, "peer", "strongswan 5.9.8");
	struct junit_case *c = junit_case(s, "main-mode.strongswan", "mm-psk-aes128", 1.25);
	junit_case_property(c, "ike.encr", "AES-CBC-128");
	junit_case_property(c, "ike.hash", "SHA1");
	junit_case_property(c, "ike.group", "MODP-2048 (14)");
	junit_case_property(c, "esp", "ESP AES-CBC-128 HMAC-SHA1-96");
	junit_case_system_out(c, jt_timeline, sizeof(jt_timeline) - 1);
	c = junit_case(s, "main-mode.strongswan", "mm-proposal-mismatch", 0.5);
	junit_case_mismatch(c, "phase 1", "NO-PROPOSAL-CHOSEN (14)", "INVALID-PAYLOAD-TYPE (1)",
			    "MM1 sent with 3DES only\nMM2 carried N(INVALID-PAYLOAD-TYPE (1))");
	c = junit_case(s, "main-mode.strongswan", "mm-rsa-sig", 0.125);
	junit_case_error(c, "setup", "peer did not start", "charon exited with status 1");
	junit_case_system_err(c, "charon: no such file\n", 21);
}

static void jt_suite_b(struct junit *j)
{
	struct junit_suite *s = junit_suite(j, "aggressive-mode", "suites/aggressive.yaml", NULL);
	junit_suite_timestamp(s, JT_WHEN + 61);
	struct junit_case *c = junit_case(s, "aggressive-mode.self", "am-psk", 0);
	junit_case_skipped(c, "peer config disables aggressive mode");
	c = junit_case(s, "aggressive-mode.self", "am-timeout", 3.5);
	junit_case_failure(c, "timeout", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply", NULL);
	c = junit_case(s, "aggressive-mode.self", "am-ok", 10.0004);
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
	JT("/testcase[1]/@classname", "main-mode.strongswan");
	JT("/testcase[1]/@time", "1.250");
	JTN("/testcase[1]/@file", "0");
	JTN("/testcase[1]/properties", "0");
	JT("/testcase[1]/system-out", jt_timeline_read);
	JTN("/testcase[1]/*[self::failure or self::error or self::skipped]", "0");
	JT("/testcase[2]/@time", "0.500");
	JT("/testcase[2]/failure/@type", "mismatch");
	JT("/testcase[2]/failure/@message",
	   "phase 1: expected NO-PROPOSAL-CHOSEN (14), seen INVALID-PAYLOAD-TYPE (1)");
	JT("/testcase[2]/failure",
	   "phase 1: expected NO-PROPOSAL-CHOSEN (14), seen INVALID-PAYLOAD-TYPE (1)\n"
	   "MM1 sent with 3DES only\nMM2 carried N(INVALID-PAYLOAD-TYPE (1))");
	JTN("/testcase[2]/system-out", "0");
	JT("/testcase[3]/@time", "0.125");
	JT("/testcase[3]/error/@type", "setup");
	JT("/testcase[3]/error/@message", "peer did not start");
	JT("/testcase[3]/error", "peer did not start\ncharon exited with status 1");
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
	JT("/testcase[1]/@classname", "aggressive-mode.self");
	JT("/testcase[1]/skipped", "peer config disables aggressive mode");
	JTN("/testcase[1]/skipped/@*", "0");
	JT("/testcase[1]/@time", "0.000");
	JT("/testcase[2]/failure/@type", "timeout");
	JT("/testcase[2]/failure/@message", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply");
	JT("/testcase[2]/failure", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply");
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
	jt_expect(d, "/testsuites/@time", "15.375");
	/* neither dialect allows these on the root */
	jt_expect(d, "count(/testsuites/@skipped|/testsuites/@timestamp)", "0");
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
	jt_expect(d, "//testsuite/@name", "bad \\xc0\\xaf overlong");
	jt_expect(d, "//testsuite/@hostname", "h\\x02st");
	jt_expect(d, "//testcase/@classname", "c\\x1b[31m");
	jt_expect(d, "//testcase/@name", "emoji \xf0\x9f\x94\x91 surrogate \\xed\\xa0\\x80!");
	jt_expect(d, "//testcase/@time", "0.000");
	/* the property as one line (its line break a space), atop system-out */
	jt_expect(d, "//testcase/system-out", "a\"b'<c>: tab\there line \\xef\\xbf\\xbe\n");
	jt_expect(d, "//testcase/skipped", "cut \\xe2\\x82");
	/* no replacement character anywhere */
	jt_expect(d, "count(//*[contains(., '\xEF\xBF\xBD')]|//@*[contains(., '\xEF\xBF\xBD')])", "0");
	xmlFreeDoc(d);
}
END_TEST

/* ---- what each dialect refuses ---- */

/* One testcase (or root attributes) in an otherwise valid report, and
 * whether each dialect takes it: the schemas must refuse what the issue
 * found Jenkins refusing, or they prove nothing about our output. */
static const struct {
	const char *root_attrs, *testcase;
	bool junit10, junit4;
} jt_dialect_rules[] = {
	{ "", "<testcase name=\"c\" classname=\"s.p\" time=\"1.000\"/>", true, true },
	{ "skipped=\"0\"", "<testcase name=\"c\"/>", false, false },
	{ "timestamp=\"2024-05-01T12:00:00\"", "<testcase name=\"c\"/>", false, false },
	{ "", "<testcase name=\"c\"><properties><property name=\"a\" value=\"b\"/></properties></testcase>",
	  false, false },
	{ "", "<testcase name=\"c\" file=\"suites/x.yaml\"/>", false, false },
	{ "", "<testcase name=\"c\"><skipped message=\"why\"/></testcase>", true, false },
	{ "", "<testcase name=\"c\"><skipped>why</skipped></testcase>", true, true },
	{ "", "<testcase name=\"c\"><failure message=\"m\" type=\"t\">m\nmore</failure>"
	      "<system-out>a: b</system-out></testcase>", true, true },
	/* dtkit wants its order: output after the outcome */
	{ "", "<testcase name=\"c\"><system-out>x</system-out><error message=\"m\">m</error></testcase>",
	  true, false },
	{ "", "<testcase name=\"c\" time=\"1,5\"/>", true, true },
	{ "time=\"1,5\"", "<testcase name=\"c\"/>", false, true },
};

START_TEST(test_junit_dialects)
{
	size_t n = sizeof(jt_dialect_rules) / sizeof(jt_dialect_rules[0]);
	for (size_t i = 0; i < n; i++) {
		char xml[1024], err[2048];
		snprintf(xml, sizeof(xml),
			 "<testsuites name=\"r\" tests=\"1\" failures=\"0\" errors=\"0\" %s>"
			 "<testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" "
			 "time=\"1.000\" timestamp=\"2024-05-01T12:00:00\" hostname=\"h\" id=\"0\">"
			 "<properties><property name=\"file\" value=\"x.yaml\"/></properties>%s"
			 "<system-out>s</system-out></testsuite></testsuites>",
			 jt_dialect_rules[i].root_attrs, jt_dialect_rules[i].testcase);
		xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "rule.xml", NULL, XML_PARSE_NONET);
		ck_assert_msg(d, "rule %zu does not parse", i);
		bool v10 = test_junit_schema(d, TEST_JUNIT_XSD, err, sizeof(err));
		ck_assert_msg(v10 == jt_dialect_rules[i].junit10, "rule %zu: junit-10 %s it: %s %s", i,
			      v10 ? "takes" : "refuses", jt_dialect_rules[i].testcase, err);
		bool v4 = test_junit_schema(d, TEST_JUNIT4_XSD, err, sizeof(err));
		ck_assert_msg(v4 == jt_dialect_rules[i].junit4, "rule %zu: junit-4 %s it: %s %s", i,
			      v4 ? "takes" : "refuses", jt_dialect_rules[i].testcase, err);
		xmlFreeDoc(d);
	}
}
END_TEST

/* The options beyond the dialects: per-case properties instead of lines
 * in system-out, the suite's file on each case. */
START_TEST(test_junit_options)
{
	struct junit *j = junit_new(NULL);
	junit_options(j, JUNIT_OPT_CASE_PROPERTIES | JUNIT_OPT_CASE_FILE);
	jt_suite_a(j);
	char err[2048];
	const char *path = jt_path("options.xml");
	ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
	junit_free(j);
	xmlDocPtr d = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	const char *tc = "/testsuites/testsuite/testcase";
	char e[200];
	snprintf(e, sizeof(e), "%s[1]/properties/property[3]/@name", tc);
	jt_expect(d, e, "ike.group");
	snprintf(e, sizeof(e), "%s[1]/properties/property[3]/@value", tc);
	jt_expect(d, e, "MODP-2048 (14)");
	snprintf(e, sizeof(e), "count(%s[1]/properties/property)", tc);
	jt_expect(d, e, "4");
	/* the timeline alone, no property lines */
	snprintf(e, sizeof(e), "substring-before(%s[1]/system-out, '\n')", tc);
	jt_expect(d, e, "0.000 -> MM1 SA (AES-CBC-128, SHA1, MODP-2048)");
	snprintf(e, sizeof(e), "count(%s[@file='suites/main-mode.yaml'])", tc);
	jt_expect(d, e, "3");
	/* both are outside the validating dialects, which is why they are options */
	ck_assert(!test_junit_schema(d, TEST_JUNIT_XSD, err, sizeof(err)));
	ck_assert(!test_junit_schema(d, TEST_JUNIT4_XSD, err, sizeof(err)));
	xmlFreeDoc(d);

	/* a suite without a file: no file attribute */
	j = junit_new(NULL);
	junit_options(j, JUNIT_OPT_CASE_FILE);
	junit_case(junit_suite(j, "s", NULL, "h"), "s.p", "c", 1);
	ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
	junit_free(j);
	d = test_junit_valid(path);
	jt_expect(d, "count(//testcase/@file)", "0");
	xmlFreeDoc(d);
}
END_TEST

/* ---- GitLab's view ---- */

/* A case as GitLab's JUnit parser shows it (its documented rules: the
 * file becomes a hash the way ActiveSupport's Hash.from_xml makes one;
 * the status is the first of failure, error, skipped the case has; what
 * is shown is that element's value, then for failures and errors
 * "System Out:" and the system-out; suite is the testsuite's name, and
 * classname, name and file the testcase's attributes). An element's value
 * is its text when that is not blank; an element with attributes and no
 * text is a hash, shown raw; one with neither is nothing. */
struct jt_gitlab {
	char status[16];
	char *suite, *classname, *name, *file; /* NULL: absent */
	char *shown;                           /* NULL: nothing */
	bool raw_hash;                         /* shown is a hash's text */
	char type[64];                         /* the outcome's type attribute */
};

static char *jt_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *r = v ? xstrdup((const char *)v) : NULL;
	xmlFree(v);
	return r;
}

static xmlNodePtr jt_child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

/* An element's value in Hash.from_xml's terms (see above). */
static char *jt_gitlab_value(xmlNodePtr n, bool *raw_hash)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = t ? (const char *)t : "";
	bool blank = s[strspn(s, " \t\r\n")] == '\0';
	char *r = NULL;
	*raw_hash = false;
	if (!blank) {
		r = xstrdup(s);
	} else if (n->properties) {
		char buf[600] = "{";
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			char *v = jt_attr(n, (const char *)a->name);
			size_t l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, "%s\"%s\"=>\"%s\"", l > 1 ? ", " : "",
				 (const char *)a->name, v);
			free(v);
		}
		strncat(buf, "}", sizeof(buf) - strlen(buf) - 1);
		r = xstrdup(buf);
		*raw_hash = true;
	}
	xmlFree(t);
	return r;
}

static void jt_gitlab_case(xmlNodePtr tc, struct jt_gitlab *g)
{
	static const char *const kinds[] = { "failure", "error", "skipped" };
	static const char *const status[] = { "failed", "error", "skipped" };
	memset(g, 0, sizeof(*g));
	g->suite = jt_attr(tc->parent, "name");
	g->classname = jt_attr(tc, "classname");
	g->name = jt_attr(tc, "name");
	g->file = jt_attr(tc, "file");
	snprintf(g->status, sizeof(g->status), "success");
	for (size_t k = 0; k < 3; k++) {
		xmlNodePtr o = jt_child(tc, kinds[k]);
		if (!o)
			continue;
		snprintf(g->status, sizeof(g->status), "%s", status[k]);
		char *t = jt_attr(o, "type");
		snprintf(g->type, sizeof(g->type), "%s", t ? t : "");
		free(t);
		g->shown = jt_gitlab_value(o, &g->raw_hash);
		xmlNodePtr so = jt_child(tc, "system-out");
		if (k < 2 && so) {
			bool h;
			char *out = jt_gitlab_value(so, &h);
			size_t n = (g->shown ? strlen(g->shown) : 0) + (out ? strlen(out) : 0) + 32;
			char *all = xmalloc(n);
			snprintf(all, n, "%s%sSystem Out:\n\n%s", g->shown ? g->shown : "",
				 g->shown ? "\n\n" : "", out ? out : "");
			free(g->shown);
			free(out);
			g->shown = all;
		}
		break;
	}
}

static void jt_gitlab_free(struct jt_gitlab *g)
{
	free(g->suite);
	free(g->classname);
	free(g->name);
	free(g->file);
	free(g->shown);
}

/* ActiveSupport casts an element's text by its type attribute ("integer",
 * "yaml", ...) or refuses the file: an outcome's type must be none of them. */
static bool jt_gitlab_casts(const char *type)
{
	static const char *const cast[] = { "integer", "float", "decimal", "boolean", "date",
					    "datetime", "dateTime", "symbol", "yaml", "base64Binary",
					    "file", "array", "hash", "string" };
	for (size_t i = 0; i < sizeof(cast) / sizeof(cast[0]); i++)
		if (!strcmp(type, cast[i]))
			return true;
	return false;
}

/* What a person reading GitLab's test report of a case would see. */
static const struct {
	const char *name, *status;
	const char *shown_starts; /* the first thing shown */
} jt_gitlab_want[] = {
	{ "mm-psk-aes128", "success", NULL },
	{ "mm-proposal-mismatch", "failed",
	  "phase 1: expected NO-PROPOSAL-CHOSEN (14), seen INVALID-PAYLOAD-TYPE (1)\nMM1 sent" },
	{ "mm-rsa-sig", "error", "peer did not start\ncharon exited with status 1" },
	{ "am-psk", "skipped", "peer config disables aggressive mode" },
	{ "am-timeout", "failed", "expected N(NO-PROPOSAL-CHOSEN (14)), seen no reply" },
	{ "am-ok", "success", NULL },
};

/* Every case of the report at path as GitLab shows it, against the table;
 * with_file: each case must carry its suite's file (else none). */
static void jt_gitlab_check(const char *path, bool with_file)
{
	xmlDocPtr d = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	size_t seen = 0;
	for (xmlNodePtr s = xmlDocGetRootElement(d)->children; s; s = s->next)
		for (xmlNodePtr c = s->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "testcase"))
				continue;
			struct jt_gitlab g;
			jt_gitlab_case(c, &g);
			ck_assert_uint_lt(seen, 6);
			ck_assert_str_eq(g.name, jt_gitlab_want[seen].name);
			ck_assert_msg(!strcmp(g.status, jt_gitlab_want[seen].status), "%s: %s",
				      g.name, g.status);
			const char *want = jt_gitlab_want[seen].shown_starts;
			ck_assert_msg(!g.raw_hash, "%s: GitLab shows a raw hash: %s", g.name, g.shown);
			ck_assert_msg(want ? g.shown && !strncmp(g.shown, want, strlen(want)) : !g.shown,
				      "%s: GitLab shows \"%s\", want it to start \"%s\"", g.name,
				      g.shown ? g.shown : "(nothing)", want ? want : "(nothing)");
			ck_assert_msg(!jt_gitlab_casts(g.type), "%s: type %s", g.name, g.type);
			/* Jenkins' package is what precedes the last dot */
			ck_assert_msg(strchr(g.classname, '.') && strcmp(g.classname, g.suite),
				      "%s: classname %s", g.name, g.classname);
			if (with_file)
				ck_assert_msg(g.file && !strcmp(g.file, seen < 3 ? "suites/main-mode.yaml"
									   : "suites/aggressive.yaml"),
					      "%s: file %s", g.name, g.file ? g.file : "(none)");
			else
				ck_assert_msg(!g.file, "%s: file %s", g.name, g.file);
			jt_gitlab_free(&g);
			seen++;
		}
	ck_assert_uint_eq(seen, 6);
	xmlFreeDoc(d);
}

START_TEST(test_junit_gitlab)
{
	char err[512];
	for (int with_file = 0; with_file < 2; with_file++) {
		struct junit *j = junit_new(NULL);
		junit_options(j, with_file ? JUNIT_OPT_CASE_FILE : 0);
		jt_suite_a(j);
		jt_suite_b(j);
		const char *path = jt_path("gitlab.xml");
		ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
		junit_free(j);
		jt_gitlab_check(path, with_file);
	}

	/* The reader has teeth: the old shape (the line in the message
	 * attribute, the notifies as text; an empty error; the reason as an
	 * attribute) shows the wrong things. */
	static const char old[] =
		"<testsuites><testsuite name=\"s\" tests=\"3\" failures=\"1\" errors=\"1\">"
		"<testcase name=\"f\" classname=\"s\"><failure message=\"notify: expected A, "
		"seen B\" type=\"mismatch\">N(B)</failure></testcase>"
		"<testcase name=\"e\" classname=\"s\"><error message=\"no start\" type=\"error\"/>"
		"</testcase><testcase name=\"k\" classname=\"s\"><skipped message=\"why\"/></testcase>"
		"</testsuite></testsuites>";
	xmlDocPtr d = xmlReadMemory(old, (int)strlen(old), "old.xml", NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	xmlNodePtr tc = xmlDocGetRootElement(d)->children->children;
	struct jt_gitlab g;
	jt_gitlab_case(tc, &g);
	ck_assert_str_eq(g.shown, "N(B)");
	jt_gitlab_free(&g);
	jt_gitlab_case(tc->next, &g);
	ck_assert_msg(g.raw_hash && !strcmp(g.shown, "{\"message\"=>\"no start\", \"type\"=>\"error\"}"),
		      "%s", g.shown);
	jt_gitlab_free(&g);
	jt_gitlab_case(tc->next->next, &g);
	ck_assert(g.raw_hash && !strcmp(g.status, "skipped"));
	jt_gitlab_free(&g);
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
	jt_expect(d, "/testsuites/@time", "15.375");
	jt_expect(d, "count(/testsuites/@skipped|/testsuites/@timestamp)", "0");
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
	jt_expect(d, "/testsuites/@time", "19.875");
	jt_expect(d, "count(/testsuites/@skipped|/testsuites/@timestamp)", "0");
	jt_expect(d, "/testsuites/testsuite[3]/@skipped", "0");
	jt_expect(d, "/testsuites/testsuite[3]/@timestamp", "2024-04-30T08:00:00");
	jt_expect(d, "/testsuites/testsuite[2]/@skipped", "1");
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
	tcase_add_test(tc, test_junit_dialects);
	tcase_add_test(tc, test_junit_options);
	tcase_add_test(tc, test_junit_gitlab);
	tcase_add_test(tc, test_junit_unwritable);
	tcase_add_test(tc, test_junit_merge);
	tcase_add_test(tc, test_junit_merge_refuses);
	tcase_add_test(tc, test_junit_merge_command);
	suite_add_tcase(s, tc);
	return s;
}
