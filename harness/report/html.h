/* The HTML report: JUnit reports (ours, merged or sharded, or any tool's
 * in either dialect) read with libxml2 into one self-contained page that a
 * vendor attaches to a release. Inline CSS, no script, nothing fetched:
 *
 *   summary        totals, the verdict, a line per suite and peer
 *   environment    the suites' properties (versions, seed, topology, host)
 *   suite @ peer   its cases as a grid where one fits, each cell coloured
 *                  by verdict and linking to the case; the rest as a list.
 *                  Grids (from the case.* properties the runner writes):
 *                  HAGLE  encryption x hash rows, group x auth columns
 *                  malformed  mutation rows, message columns
 *                  lifetimes  the harness's rows, role x the peer's columns
 *   departures     cases tagged departure: RFC clause, what the RFC calls
 *                  for, what the peer does, the verdict
 *   skips          each with its reason
 *   cases          each case: verdict, expectation, what was seen, its
 *                  properties, the timeline (system-out), system-err
 *
 * A case's properties come from its <properties> or, as the runner writes
 * them by default, from the "name: value" lines atop its system-out (up to
 * the first blank line). Everything written into the page is escaped. */
#ifndef IKEC_REPORT_HTML_H
#define IKEC_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct html_totals {
	unsigned cases, passed, failed, errors, skipped;
};

/* Read the n JUnit files and write the page to out (replaced). False with
 * err naming the file at fault (not readable, not well-formed, not JUnit)
 * or the output path; nothing is written then. totals may be NULL. */
bool html_report(const char *const *paths, size_t n, const char *out,
		 struct html_totals *totals, char *err, size_t errlen);

#endif
