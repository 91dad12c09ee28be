/* The Check suites of every module, gathered by check_main.c. */
#ifndef IKEC_TESTS_H
#define IKEC_TESTS_H

#include <check.h>
#include <stdbool.h>

#include "core/chunk.h"

/* A partial build (make TESTS=...) links only some suites; the full build
 * must have every one, so only there is a missing suite a link error. */
#ifdef IKEC_PARTIAL_TESTS
#define TEST_SUITE_DECL __attribute__((weak))
#else
#define TEST_SUITE_DECL
#endif

TEST_SUITE_DECL Suite *suite_core(void);
TEST_SUITE_DECL Suite *suite_names(void);
TEST_SUITE_DECL Suite *suite_wire(void);
TEST_SUITE_DECL Suite *suite_rules(void);
TEST_SUITE_DECL Suite *suite_crypto(void);
TEST_SUITE_DECL Suite *suite_vectors(void);
TEST_SUITE_DECL Suite *suite_capture(void);
TEST_SUITE_DECL Suite *suite_captures(void);
TEST_SUITE_DECL Suite *suite_decode(void);
TEST_SUITE_DECL Suite *suite_transport(void);
TEST_SUITE_DECL Suite *suite_pki(void);
TEST_SUITE_DECL Suite *suite_ike(void);
TEST_SUITE_DECL Suite *suite_events(void);
TEST_SUITE_DECL Suite *suite_yaml(void);
TEST_SUITE_DECL Suite *suite_timeline(void);
TEST_SUITE_DECL Suite *suite_peer(void);
TEST_SUITE_DECL Suite *suite_netns(void);
TEST_SUITE_DECL Suite *suite_strongswan(void);
TEST_SUITE_DECL Suite *suite_libreswan(void);
TEST_SUITE_DECL Suite *suite_vici(void);
TEST_SUITE_DECL Suite *suite_case(void);
TEST_SUITE_DECL Suite *suite_esp(void);
TEST_SUITE_DECL Suite *suite_matrix(void);
TEST_SUITE_DECL Suite *suite_xfrm(void);
TEST_SUITE_DECL Suite *suite_suite(void);
TEST_SUITE_DECL Suite *suite_junit(void);
TEST_SUITE_DECL Suite *suite_html(void);
TEST_SUITE_DECL Suite *suite_seeds(void);
TEST_SUITE_DECL Suite *suite_runner(void);
TEST_SUITE_DECL Suite *suite_run(void);
TEST_SUITE_DECL Suite *suite_profile(void);
TEST_SUITE_DECL Suite *suite_witness(void);

/* Path of a file under ../shared/vectors (env IKEC_VECTORS), or NULL when
 * that folder is absent; the caller then skips, saying why. The string
 * stays valid until eight more calls. */
const char *test_vector_path(const char *rel);
/* Print a skip line that says why, once per reason. */
void test_skip(const char *test, const char *why);
/* Hex from a test table into a new chunk (a bad string fails the test). */
chunk_t test_hex(const char *s);
/* Fail the test, showing both, unless got equals the hex string. */
void test_expect_hex(chunk_t got, const char *want_hex, const char *what);
/* Run a shell command: stdout and stderr into a new string (*out, the
 * caller frees), the exit status returned (-1 when it did not exit). */
int test_run(const char *cmd, char **out);
/* Path of a file of the checkout (IKEC_SRCDIR, else "."); the string
 * stays valid until eight more calls. */
const char *test_src_path(const char *rel);
/* rm -rf dir (nftw, no shell). */
void test_rm_tree(const char *dir);
/* The two JUnit dialects our reports must be valid against: Jenkins'
 * xunit junit-10 and dtkit's junit-4 (paths under IKEC_SRCDIR). */
#define TEST_JUNIT_XSD "tests/junit/junit.xsd"
#define TEST_JUNIT4_XSD "tests/junit/junit-4.xsd"
/* A JUnit file parsed and valid against both dialects, else the test
 * fails with the schema's complaints; the caller frees it (xmlFreeDoc). */
struct _xmlDoc *test_junit_valid(const char *path);
/* Whether doc is valid against the schema xsd (a path under IKEC_SRCDIR);
 * false with the schema's complaints in err. A schema that does not parse
 * fails the test. */
bool test_junit_schema(struct _xmlDoc *doc, const char *xsd, char *err, size_t errlen);
/* An XPath expression's string value on doc (a new string). */
char *test_xpath(struct _xmlDoc *doc, const char *expr);
/* The XPath (printf-formatted) must read want. */
#define test_expect_xpath(doc, want, ...)                                                            \
	do {                                                                                 \
		char x_[600];                                                                \
		snprintf(x_, sizeof(x_), __VA_ARGS__);                                       \
		char *got_ = test_xpath(doc, x_);                                            \
		ck_assert_msg(!strcmp(got_, want), "%s: got \"%s\" want \"%s\"", x_, got_,  \
			      want);                                                         \
		free(got_);                                                                  \
	} while (0)

/* Print a count line such as "vectors: NIST CAVS PSK: 1700 checked". */
void test_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
