/* One runner for every module's suite. */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "core/hex.h"
#include "tests.h"

static Suite *(*const test_suites[])(void) = {
	suite_core, suite_names, suite_wire, suite_rules, suite_crypto,
	suite_vectors, suite_capture, suite_decode, suite_transport,
	suite_pki, suite_ike, suite_events, suite_yaml, suite_timeline, suite_peer,
	suite_netns, suite_strongswan, suite_libreswan, suite_vici, suite_case, suite_esp,
	suite_matrix, suite_xfrm, suite_junit, suite_html, suite_suite, suite_profile, suite_seeds, suite_run,
	suite_runner, suite_witness, suite_captures,
};

const char *test_vector_path(const char *rel)
{
	/* A few buffers in turn, so a test can hold several paths at once. */
	static char paths[8][4096];
	static unsigned next;
	char *path = paths[next++ % 4];
	const char *dir = getenv("IKEC_VECTORS");
	if (!dir || !*dir)
		dir = "../shared/vectors";
	snprintf(path, sizeof(paths[0]), "%s/%s", dir, rel);
	return access(path, R_OK) == 0 ? path : NULL;
}

chunk_t test_hex(const char *s)
{
	chunk_t c;
	ck_assert_msg(hex_decode(s, strlen(s), &c), "bad hex in a test table: %.40s", s);
	return c;
}

void test_expect_hex(chunk_t got, const char *want_hex, const char *what)
{
	chunk_t want = test_hex(want_hex);
	if (!chunk_eq(got, want)) {
		char *g = hex_string(got.ptr, got.len);
		ck_abort_msg("%s: got %s want %s", what, g, want_hex);
	}
	chunk_free(&want);
}

int test_run(const char *cmd, char **out)
{
	char full[8300];
	int fn = snprintf(full, sizeof(full), "%s 2>&1", cmd);
	ck_assert(fn > 0 && (size_t)fn < sizeof(full));
	FILE *p = popen(full, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 65536, len = 0, n;
	char *buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	*out = buf;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *test_src_path(const char *rel)
{
	static char paths[8][4096];
	static unsigned next;
	char *p = paths[next++ % 8];
	const char *dir = getenv("IKEC_SRCDIR");
	snprintf(p, sizeof(paths[0]), "%s/%s", dir && *dir ? dir : ".", rel);
	return p;
}

static int test_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_rm_tree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct test_schema_errs {
	char buf[2048];
	size_t len;
};

static void test_schema_err(void *ctx, xmlErrorPtr e)
{
	struct test_schema_errs *er = ctx;
	if (er->len < sizeof(er->buf) - 1)
		er->len += (size_t)snprintf(er->buf + er->len, sizeof(er->buf) - er->len,
					    "line %d: %s", e->line, e->message);
	if (er->len > sizeof(er->buf) - 1)
		er->len = sizeof(er->buf) - 1;
}

bool test_junit_schema(struct _xmlDoc *doc, const char *xsd, char *err, size_t errlen)
{
	const char *path = test_src_path(xsd);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
	ck_assert_ptr_nonnull(pc);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	ck_assert_msg(schema, "%s does not parse", path);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	struct test_schema_errs er = { .len = 0 };
	er.buf[0] = '\0';
	xmlSchemaSetValidStructuredErrors(vc, test_schema_err, &er);
	int rc = xmlSchemaValidateDoc(vc, doc);
	snprintf(err, errlen, "%s", er.buf);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc == 0;
}

struct _xmlDoc *test_junit_valid(const char *path)
{
	static const char *const dialects[] = { TEST_JUNIT_XSD, TEST_JUNIT4_XSD };
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_msg(doc, "%s: does not parse", path);
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		char err[2048];
		ck_assert_msg(test_junit_schema(doc, dialects[i], err, sizeof(err)),
			      "%s: not valid against %s: %s", path, dialects[i], err);
	}
	return doc;
}

char *test_xpath(struct _xmlDoc *doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	ck_assert_msg(o, "bad xpath %s", expr);
	xmlChar *s = xmlXPathCastToString(o);
	char *r = xstrdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return r;
}

void test_skip(const char *test, const char *why)
{
	printf("SKIP %s: %s\n", test, why);
	fflush(stdout);
}

void test_report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* CK_RUN_SUITE=wire or CK_RUN_CASE=... narrow a run (Check's own variables). */
int main(void)
{
	SRunner *sr = NULL;
	for (size_t i = 0; i < sizeof(test_suites) / sizeof(test_suites[0]); i++) {
		if (!test_suites[i])
			continue; /* not linked in a partial build */
		Suite *s = test_suites[i]();
		if (!sr)
			sr = srunner_create(s);
		else
			srunner_add_suite(sr, s);
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
