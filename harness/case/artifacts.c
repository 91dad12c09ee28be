/* What the harness saw of a case, beside the peer's own files. */
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/log.h"
#include "report/keys.h"
#include "report/seeds.h"
#include "report/timeline.h"
#include "wire/names.h"

/* ---- one case ---- */

/* What the harness saw of the case, beside the peer's own files: the
 * message timeline as text and as a pcap, and Wireshark's IKE key table. */
void case_write_artifacts(const char *art, const struct case_spec *s,
				    struct ike_engine *e, const struct case_result *r)
{
	char path[1200], err[400];
	const struct ike_result *res = ike_engine_result(e);
	snprintf(path, sizeof(path), "%s/harness.log", art);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "case %s: harness as %s, %s Mode\n", s->name,
			s->harness_initiates ? "initiator" : "responder",
			s->exchange == WIRE_X_AGGR ? "Aggressive" : "Main");
		timeline_print(f, res);
		fprintf(f, "result: %s%s%s\n", r->established ? "established" : "not established",
			r->why[0] ? "; " : "", r->why);
		fprintf(f, "peer's view:\n%s\n", r->view.raw);
		if (fclose(f) != 0)
			log_warn("case %s: %s: %s", s->name, path, strerror(errno));
	} else {
		log_warn("case %s: %s: %s", s->name, path, strerror(errno));
	}
	struct timeline_opts o;
	if (timeline_opts_from_engine(e, &o)) {
		snprintf(path, sizeof(path), "%s/ike.pcap", art);
		if (!timeline_write_pcap(path, res, &o, NULL, err, sizeof(err)))
			log_warn("case %s: %s", s->name, err);
		/* which frames a mutation made, for check-captures */
		snprintf(path, sizeof(path), "%s/" TIMELINE_FRAMES_FILE, art);
		if (!timeline_write_frames(path, res, &o, err, sizeof(err)))
			log_warn("case %s: %s", s->name, err);
	}
	struct ike_sa *sa = ike_engine_sa(e);
	snprintf(path, sizeof(path), "%s/wireshark", art);
	if (sa && (mkdir(path, 0755) == 0 || errno == EEXIST) &&
	    !keytab_write_dir(path, &sa, 1, err, sizeof(err)))
		log_warn("case %s: key tables: %s", s->name, err);
	if (s->seeds) {
		struct seeds_stats st = { 0, 0 };
		if (!seeds_write_result(s->seeds, res, s->seeds_label, &st, err, sizeof(err)))
			log_warn("case %s: seeds: %s", s->name, err);
	}
}
