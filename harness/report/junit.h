/* JUnit XML reports, written with libxml2. By default they are valid
 * against both JUnit dialects Jenkins validates with: the xunit plugin's
 * junit-10 (tests/junit/junit.xsd) and dtkit's junit-4
 * (tests/junit/junit-4.xsd); GitLab and Jenkins' junit plugin read them.
 *
 * A report is built in memory (suites, cases, outcomes, properties,
 * output) and written at the end, totals computed then:
 *
 *   testsuites (name tests failures errors time)
 *     testsuite (name tests failures errors skipped time timestamp
 *                hostname id)
 *       properties > property (name value)     suite file, peer, versions
 *       testcase (name classname time [file])
 *         [properties > property]              JUNIT_OPT_CASE_PROPERTIES
 *         failure|error (message type) text | skipped text
 *         system-out                           "name: value" lines of the
 *                                              case's properties, a blank
 *                                              line, then its own output
 *         system-err
 *
 * An outcome's text is what GitLab shows, so it starts with the message
 * (for a mismatch "WHAT: expected E, seen S") and then the details; it is
 * never empty. A skip reason is the text of <skipped>, which may carry no
 * attributes in the dtkit dialect.
 *
 * Any bytes may be given: each byte of invalid UTF-8 or of a character XML
 * 1.0 forbids (controls other than tab, LF, CR; U+FFFE, U+FFFF) is written
 * as the text "\xNN", so the file always loads and says what the byte was;
 * libxml2 does the escaping. Timestamps are UTC, "2024-05-01T12:00:00"
 * with no zone suffix. Times are seconds with three decimals. */
#ifndef IKEC_REPORT_JUNIT_H
#define IKEC_REPORT_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct junit;
struct junit_suite;
struct junit_case;

/* A report; name goes on the testsuites root ("ike-conform" when NULL). */
struct junit *junit_new(const char *name);
void junit_free(struct junit *j);

/* Beyond both dialects, for the readers that use them (neither validating
 * dialect allows these, so they are off by default):
 * JUNIT_OPT_CASE_PROPERTIES  a case's properties as <properties> in the
 *                            testcase (Jenkins' junit step, keepProperties)
 *                            instead of lines atop its system-out;
 * JUNIT_OPT_CASE_FILE        file on each testcase: its suite's file (GitLab
 *                            links it). */
enum { JUNIT_OPT_CASE_PROPERTIES = 1u << 0, JUNIT_OPT_CASE_FILE = 1u << 1 };
void junit_options(struct junit *j, unsigned opts);

/* A suite (one per suite file). file, when given, becomes the suite's
 * "file" property (and each case's file with JUNIT_OPT_CASE_FILE); hostname defaults to this machine's name. The
 * timestamp is the creation time until junit_suite_timestamp. Suites get
 * ids 0, 1, ... in order. The report owns it. */
struct junit_suite *junit_suite(struct junit *j, const char *name, const char *file,
				const char *hostname);
void junit_suite_timestamp(struct junit_suite *s, time_t when);
void junit_suite_property(struct junit_suite *s, const char *name, const char *value);
/* Output that belongs to no case (setup, teardown), appended. */
void junit_suite_system_out(struct junit_suite *s, const char *text, size_t len);

/* A case, passed until an outcome is set. Negative or NaN times count as 0.
 * classname is what GitLab shows as "Suite" and Jenkins as the class; its
 * part before the last dot is Jenkins' package ("smoke.strongswan"). */
struct junit_case *junit_case(struct junit_suite *s, const char *classname, const char *name,
			      double seconds);
/* Outcomes; a later call replaces an earlier one. type, message and details
 * may be NULL (an outcome's text then says so). failure: the peer or the engine did something the case did not
 * expect; error: the harness could not run the case (setup, crash). */
void junit_case_failure(struct junit_case *c, const char *type, const char *message,
			const char *details);
void junit_case_error(struct junit_case *c, const char *type, const char *message,
		      const char *details);
void junit_case_skipped(struct junit_case *c, const char *why);
/* A failure of type "mismatch" whose message reads
 * "WHAT: expected EXPECTED, seen SEEN", e.g. "phase 1: expected
 * NO-PROPOSAL-CHOSEN (14), seen INVALID-PAYLOAD-TYPE (1)". */
void junit_case_mismatch(struct junit_case *c, const char *what, const char *expected,
			 const char *seen, const char *details);
/* A name and value of the case (negotiated transforms, what it tests);
 * see JUNIT_OPT_CASE_PROPERTIES for where it is written. */
void junit_case_property(struct junit_case *c, const char *name, const char *value);
/* Appended; len bytes, any values (see above). */
void junit_case_system_out(struct junit_case *c, const char *text, size_t len);
void junit_case_system_err(struct junit_case *c, const char *text, size_t len);

/* Totals over the whole report so far. */
struct junit_totals {
	unsigned tests, failures, errors, skipped;
	double time;
};
struct junit_totals junit_totals(const struct junit *j);

/* Write the report to path (replaced). False with err naming the path. */
bool junit_write(const struct junit *j, const char *path, char *err, size_t errlen);

/* Merge JUnit files (sharded runs) into one at out_path: every testsuite
 * of every input in order (a file whose root is one testsuite counts as
 * one), ids renumbered, each suite's counts recomputed from its cases, the
 * root's totals summed (the root, as both dialects say, without skipped
 * or timestamp). False with err naming the file at fault: not
 * readable, not well-formed, or whose root is neither testsuites nor
 * testsuite. out_path may be one of the inputs. */
bool junit_merge(const char *const *paths, size_t n, const char *out_path, char *err,
		 size_t errlen);

#endif
