/* JUnit XML reports, written with libxml2, in the dialect Jenkins (junit
 * and xunit plugins) and GitLab read; tests/junit/junit.xsd is its schema.
 *
 * A report is built in memory (suites, cases, outcomes, properties,
 * output) and written at the end, totals computed then:
 *
 *   testsuites (name tests failures errors skipped time timestamp)
 *     testsuite (name tests failures errors skipped time timestamp
 *                hostname id package)
 *       properties > property (name value)     suite file, peer, ...
 *       testcase (name classname time)
 *         properties > property                negotiated transforms
 *         failure|error (message type) text | skipped (message)
 *         system-out, system-err               the message timeline
 *
 * Any bytes may be given: invalid UTF-8 and the characters XML 1.0 forbids
 * (controls other than tab, LF, CR; U+FFFE, U+FFFF) become U+FFFD, so the
 * file always loads; libxml2 does the escaping. Timestamps are UTC,
 * "2024-05-01T12:00:00" with no zone suffix, because the xunit plugin's
 * schema pattern rejects one. Times are seconds with three decimals. */
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

/* A suite (one per suite file). file, when given, becomes the suite's
 * "file" property; hostname defaults to this machine's name. The
 * timestamp is the creation time until junit_suite_timestamp. Suites get
 * ids 0, 1, ... in order. The report owns it. */
struct junit_suite *junit_suite(struct junit *j, const char *name, const char *file,
				const char *hostname);
void junit_suite_timestamp(struct junit_suite *s, time_t when);
void junit_suite_property(struct junit_suite *s, const char *name, const char *value);
/* Output that belongs to no case (setup, teardown), appended. */
void junit_suite_system_out(struct junit_suite *s, const char *text, size_t len);

/* A case, passed until an outcome is set. Negative or NaN times count as 0.
 * classname is what GitLab shows as "Suite" and Jenkins as the class. */
struct junit_case *junit_case(struct junit_suite *s, const char *classname, const char *name,
			      double seconds);
/* Outcomes; a later call replaces an earlier one. type and details may be
 * NULL. failure: the peer or the engine did something the case did not
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
 * root's totals summed. False with err naming the file at fault: not
 * readable, not well-formed, or whose root is neither testsuites nor
 * testsuite. out_path may be one of the inputs. */
bool junit_merge(const char *const *paths, size_t n, const char *out_path, char *err,
		 size_t errlen);

#endif
