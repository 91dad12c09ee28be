/* ike-conform report: JUnit reports into one self-contained HTML page
 * (report/html.h); and what a run writes into its JUnit for that page and
 * for the people who read it: what each case asks (case.* properties) and
 * the run's environment. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "peers/strongswan/strongswan.h"
#include "report/html.h"
#include "report/junit.h"
#include "suite/suite.h"
#include "wire/names.h"

/* ---- what a case asks, for the JUnit ---- */

/* "3600s", "3600s/1000000kB", "100000kB", "none" */
static void cli_report_life(char *buf, size_t len, uint32_t sec, uint32_t kb)
{
	if (sec && kb)
		snprintf(buf, len, "%" PRIu32 "s/%" PRIu32 "kB", sec, kb);
	else if (kb)
		snprintf(buf, len, "%" PRIu32 "kB", kb);
	else if (sec)
		snprintf(buf, len, "%" PRIu32 "s", sec);
	else
		snprintf(buf, len, "none");
}

/* Appends ", what" (or "what" first) to buf. */
static void cli_report_add(char *buf, size_t len, const char *what)
{
	size_t l = strlen(buf);
	snprintf(buf + l, len - l, "%s%s", l ? ", " : "", what);
}

/* The case's expectation in a few words: the outcome, then what else is
 * judged ("refused with NO-PROPOSAL-CHOSEN (14), peer alive"). */
static void cli_report_expect(const struct suite_case *c, char *buf, size_t len)
{
	const struct suite_expect *x = &c->expect;
	char part[160];
	buf[0] = '\0';
	if (x->survives)
		cli_report_add(buf, len, "the script runs to its end");
	else if (x->silence)
		cli_report_add(buf, len, "silence (the peer drops it)");
	else if (x->accepted)
		cli_report_add(buf, len, "accepted (the peer carries on)");
	else if (x->deleted)
		cli_report_add(buf, len, "the peer deletes the SA");
	else if (x->notify) {
		char n[64];
		snprintf(part, sizeof(part), "refused with %s",
			 names_fmt(NAMES_NOTIFY, x->notify, n, sizeof(n)));
		cli_report_add(buf, len, part);
	} else
		cli_report_add(buf, len, x->established ? "established" : "not established");
	if (x->has_lifetime) {
		char l[48];
		cli_report_life(l, sizeof(l), x->life_sec, x->life_kb);
		snprintf(part, sizeof(part), "lifetime %s", l);
		cli_report_add(buf, len, part);
	}
	if (x->has_child_lifetime) {
		char l[48];
		cli_report_life(l, sizeof(l), x->child_life_sec, x->child_life_kb);
		snprintf(part, sizeof(part), "child lifetime %s", l);
		cli_report_add(buf, len, part);
	}
	if (x->traffic)
		cli_report_add(buf, len, "traffic");
	if (x->rekey)
		cli_report_add(buf, len, x->rekey == SUITE_YES ? "rekeyed" : "no rekey");
	if (x->peer_alive || x->survives)
		cli_report_add(buf, len, "peer alive");
}

/* The case's Phase 1 proposal as the suite format spells it. */
static void cli_report_proposal(struct junit_case *jc, const struct suite_case *c)
{
	char buf[48];
	const struct cipher_info *e = cipher_get(c->p1.encr);
	const struct prf_info *h = prf_get(c->p1.hash);
	const char *auth = ike_auth_name(c->auth);
	if (e && c->p1.keylen)
		snprintf(buf, sizeof(buf), "%s%u", e->name, c->p1.keylen);
	else
		snprintf(buf, sizeof(buf), "%s", e ? e->name : "?");
	junit_case_property(jc, "case.encryption", buf);
	junit_case_property(jc, "case.hash", h ? h->name : "?");
	snprintf(buf, sizeof(buf), "%u", c->p1.group);
	junit_case_property(jc, "case.group", buf);
	if (!auth) {
		snprintf(buf, sizeof(buf), "%u", c->auth);
		auth = buf;
	}
	junit_case_property(jc, "case.auth", auth);
}

/* Lifetimes both sides were configured with (the peer's "default" unless
 * the case sets them). */
static void cli_report_lifetimes(struct junit_case *jc, const struct suite_case *c)
{
	const struct suite_peer_over *po = &c->peer_config;
	char buf[48];
	cli_report_life(buf, sizeof(buf), c->p1.life_sec, c->p1.life_kb);
	junit_case_property(jc, "case.lifetime", buf);
	if (c->has_p2) {
		cli_report_life(buf, sizeof(buf), c->p2.life_sec, c->p2.life_kb);
		junit_case_property(jc, "case.child_lifetime", buf);
	}
	if (po->has_ike_lifetime)
		cli_report_life(buf, sizeof(buf), po->ike_life_sec, po->ike_life_kb);
	junit_case_property(jc, "case.peer_lifetime", po->has_ike_lifetime ? buf : "default");
	if (po->has_child_lifetime)
		cli_report_life(buf, sizeof(buf), po->child_life_sec, po->child_life_kb);
	junit_case_property(jc, "case.peer_child_lifetime",
			    po->has_child_lifetime ? buf : "default");
}

void cli_report_case_info(struct junit_case *jc, const struct suite_case *c)
{
	char buf[400] = "";
	for (size_t i = 0; i < c->ntags; i++)
		cli_report_add(buf, sizeof(buf), c->tags[i]);
	if (c->ntags)
		junit_case_property(jc, "case.tags", buf);
	cli_report_expect(c, buf, sizeof(buf));
	junit_case_property(jc, "case.expect", buf);
	junit_case_property(jc, "case.role", c->role == IKE_INITIATOR ? "initiator" : "responder");
	if (c->malformed) {
		const struct ike_catalog_entry *m = c->malformed;
		junit_case_property(jc, "case.mutation", m->name);
		junit_case_property(jc, "case.at", ike_kind_name(c->malformed_at));
		junit_case_property(jc, "case.rfc", m->rfc);
		if (m->notify)
			names_fmt(NAMES_NOTIFY, m->notify, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", m->accept ? "carry on" : "silence (drop)");
		junit_case_property(jc, "case.rfc_reaction", buf);
	}
	cli_report_proposal(jc, c);
	cli_report_lifetimes(jc, c);
}

/* ---- the run's environment, for the JUnit ---- */

/* strongSwan's version from the first line of `swanctl --help`
 * ("strongSwan 5.9.8 swanctl"); "not installed" without it. */
static void cli_report_strongswan(char *buf, size_t len)
{
	char line[200] = "";
	snprintf(buf, len, "not installed");
	FILE *p = popen(STRONGSWAN_SWANCTL " --help 2>/dev/null", "r");
	if (!p)
		return;
	if (fgets(line, sizeof(line), p)) {
		char ver[64];
		if (sscanf(line, "strongSwan %63s", ver) == 1)
			snprintf(buf, len, "%s", ver);
	}
	pclose(p);
}

void cli_report_environment(struct junit_suite *s)
{
	static char ss[80], kernel[200];
	if (!ss[0]) {
		struct utsname u;
		cli_report_strongswan(ss, sizeof(ss));
		if (uname(&u) == 0)
			snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.machine);
		else
			snprintf(kernel, sizeof(kernel), "unknown");
	}
	junit_suite_property(s, "ike-conform", IKEC_VERSION);
	junit_suite_property(s, "strongswan", ss);
	junit_suite_property(s, "openssl", OpenSSL_version(OPENSSL_VERSION));
	junit_suite_property(s, "kernel", kernel);
}

/* ---- the command ---- */

static void cli_report_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform report -o OUT.html RESULTS.xml...\n"
		   "  one self-contained HTML page from JUnit reports (ours, merged or not):\n"
		   "  the summary, each suite and peer's cases as a grid where one fits\n"
		   "  (HAGLE, malformed, lifetimes), every case's details and timeline, the\n"
		   "  departures from the RFC, the skips with their reasons, the run's\n"
		   "  environment. No scripts, fonts or images from anywhere.\n");
}

int cli_report(int argc, char **argv)
{
	static const struct cli_reports_cmd cmd = { "report", cli_report_usage,
						    "no JUnit report given",
						    "-o OUT.html is required" };
	const char *out, *in[256];
	size_t n;
	int rc = cli_reports_args(argc, argv, &cmd, &out, in, sizeof(in) / sizeof(in[0]), &n);
	if (rc >= 0)
		return rc;
	char err[600];
	struct html_totals t;
	if (!html_report(in, n, out, &t, err, sizeof(err))) {
		fprintf(stderr, "ike-conform report: %s\n", err);
		return 2;
	}
	printf("ike-conform report: %u cases (%u passed, %u failed, %u errors, %u skipped) from "
	       "%zu report%s into %s\n", t.cases, t.passed, t.failed, t.errors, t.skipped, n,
	       n == 1 ? "" : "s", out);
	return 0;
}
