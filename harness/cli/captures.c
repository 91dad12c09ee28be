/* ike-conform check-captures DIR: every capture of a run's --out tree
 * (each case's ike.pcap, with its wireshark/ key table) dissected by
 * tshark, an outside dissector, in one run over all of them concatenated;
 * a malformed frame or an error-severity expert item is an offender unless
 * the case's ike.frames says a mutation made it (docs/captures.md). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/chunk.h"
#include "core/clock.h"
#include "report/keys.h"
#include "report/timeline.h"

/* tshark's expert severities (epan/proto.h): PI_ERROR */
#define CLI_CAP_SEV_ERROR 0x00800000u

struct cli_cap_frame {
	char dir[5];              /* sent, recv */
	char msg[24];             /* the message's kind (mm1, qm2, notify ...) */
	bool has_msgid;           /* the datagram had a whole header */
	uint32_t msgid;
	bool mutated, enc;
	size_t copy;              /* same bytes as this earlier frame; 0: none */
};

struct cli_cap_case {
	char *id;                 /* its folder below DIR */
	char *dir;
	struct cli_cap_frame *fr;
	size_t nfr;
	size_t batch;             /* the tshark run it is in */
	size_t first;             /* its frame 1 in that run's pcap, 1-based */
};

/* One tshark run: its folder (wireshark/ key table, the pcap) and the
 * initiator cookies of the keys in it, each with its key. */
struct cli_cap_batch {
	char dir[PATH_MAX];
	pcap_t *dead;
	pcap_dumper_t *dump;
	int linktype;
	char **keys;              /* "icookie,key" lines */
	size_t nkeys, capkeys;
	size_t frames;
};

struct cli_cap_run {
	const char *root;
	struct cli_cap_case *cases;
	size_t ncase, capcase;
	struct cli_cap_batch *batch;
	size_t nbatch;
	bool verbose;
	size_t frames, mutated;
	size_t flagged, intended, copies, after, offenders;
	char err[PATH_MAX + 400];
};

static char cli_cap_tmp[PATH_MAX - 64];

static void cli_cap_on_signal(int sig)
{
	if (cli_cap_tmp[0])
		cli_rm_rf(cli_cap_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void cli_cap_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform check-captures [-v] DIR\n"
		   "  every ike.pcap under DIR (a run's --out) dissected by tshark with its\n"
		   "  case's key table, in one tshark run; a malformed frame or an expert\n"
		   "  error is reported unless the case sent it mutated on purpose (its\n"
		   "  ike.frames). -v: the skipped frames too, with the reason.\n"
		   "  Exit status: 0 clean, 1 offending frames, 2 usage or a file that cannot\n"
		   "  be read, 3 tshark cannot run.\n");
}

/* ---- the tree ---- */

static struct cli_cap_run *cli_cap_walking;

static int cli_cap_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	struct cli_cap_run *run = cli_cap_walking;
	if (type != FTW_F || strcmp(path + ftw->base, "ike.pcap"))
		return 0;
	if (run->ncase == run->capcase) {
		run->capcase = run->capcase ? 2 * run->capcase : 256;
		run->cases = xrealloc(run->cases, run->capcase * sizeof(*run->cases));
	}
	struct cli_cap_case *c = &run->cases[run->ncase++];
	memset(c, 0, sizeof(*c));
	c->dir = strndup(path, (size_t)ftw->base ? (size_t)ftw->base - 1 : 0);
	size_t rl = strlen(run->root);
	const char *rel = c->dir + (strncmp(c->dir, run->root, rl) ? 0 : rl);
	while (*rel == '/')
		rel++;
	c->id = strdup(*rel ? rel : ".");
	if (!c->dir || !c->id)
		abort();
	return 0;
}

static int cli_cap_case_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cli_cap_case *)a)->id, ((const struct cli_cap_case *)b)->id);
}

/* Every folder under root with an ike.pcap, in the order of their ids. */
static bool cli_cap_walk(struct cli_cap_run *run)
{
	cli_cap_walking = run;
	if (nftw(run->root, cli_cap_visit, 32, FTW_PHYS) != 0) {
		snprintf(run->err, sizeof(run->err), "%s: %s", run->root, strerror(errno));
		return false;
	}
	if (!run->ncase) {
		snprintf(run->err, sizeof(run->err), "%s: no ike.pcap below it (a run's --out DIR?)",
			 run->root);
		return false;
	}
	qsort(run->cases, run->ncase, sizeof(*run->cases), cli_cap_case_cmp);
	return true;
}

/* ---- a case's ike.frames ---- */

/* One line "FRAME\tDIR\tMESSAGE\tMSGID\tFLAGS" into f; false when it is not. */
static bool cli_cap_frame_parse(char *line, size_t want, struct cli_cap_frame *f)
{
	char *tok[5], *save = NULL;
	size_t n = 0;
	for (char *t = strtok_r(line, "\t\n", &save); t && n < 5; t = strtok_r(NULL, "\t\n", &save))
		tok[n++] = t;
	char *end;
	if (n != 5 || strtoull(tok[0], &end, 10) != want || *end ||
	    (strcmp(tok[1], "sent") && strcmp(tok[1], "recv")) || strlen(tok[2]) >= sizeof(f->msg))
		return false;
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", tok[1]);
	snprintf(f->msg, sizeof(f->msg), "%s", tok[2]);
	if (strcmp(tok[3], "-")) {
		unsigned long long id = strtoull(tok[3], &end, 16);
		if (*end || strlen(tok[3]) != 8)
			return false;
		f->has_msgid = true;
		f->msgid = (uint32_t)id;
	}
	if (!strcmp(tok[4], "-"))
		return true;
	for (char *fl = strtok_r(tok[4], ",", &save); fl; fl = strtok_r(NULL, ",", &save)) {
		if (!strcmp(fl, "mutated"))
			f->mutated = true;
		else if (!strcmp(fl, "enc"))
			f->enc = true;
		else if (!strncmp(fl, "copy=", 5) &&
			 (f->copy = strtoull(fl + 5, &end, 10)) > 0 && f->copy < want && !*end)
			continue;
		else
			return false;
	}
	return true;
}

static bool cli_cap_read_frames(struct cli_cap_run *run, struct cli_cap_case *c)
{
	char path[PATH_MAX + 32], line[512];
	snprintf(path, sizeof(path), "%s/%s", c->dir, TIMELINE_FRAMES_FILE);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(run->err, sizeof(run->err), "%s: %s (written beside ike.pcap by the runner)",
			 path, strerror(errno));
		return false;
	}
	size_t ln = 0, cap = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		ln++;
		if (line[0] == '#')
			continue;
		if (c->nfr == cap) {
			cap = cap ? 2 * cap : 16;
			c->fr = xrealloc(c->fr, cap * sizeof(*c->fr));
		}
		ok = cli_cap_frame_parse(line, c->nfr + 1, &c->fr[c->nfr]);
		if (ok)
			c->nfr++;
		else
			snprintf(run->err, sizeof(run->err), "%s:%zu: not a frame line (frame %zu)",
				 path, ln, c->nfr + 1);
	}
	fclose(f);
	return ok;
}

/* ---- batches: the concatenated pcap and one key table ---- */

/* The "icookie,key" lines of a case's key table (none when absent). */
static char **cli_cap_case_keys(const struct cli_cap_case *c, size_t *n)
{
	char path[PATH_MAX + 64], line[512];
	snprintf(path, sizeof(path), "%s/wireshark/%s", c->dir, KEYTAB_IKEV1_FILE);
	*n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char **keys = NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strchr(line, ','))
			continue;
		keys = xrealloc(keys, (*n + 1) * sizeof(*keys));
		if (!(keys[(*n)++] = strdup(line)))
			abort();
	}
	fclose(f);
	return keys;
}

/* How key line k sits with batch b: 0 new, 1 there already, -1 its
 * cookie there with another key (tshark would decrypt with one of them). */
static int cli_cap_key_in(const struct cli_cap_batch *b, const char *k)
{
	size_t cl = strcspn(k, ",");
	for (size_t i = 0; i < b->nkeys; i++)
		if (!strncmp(b->keys[i], k, cl) && b->keys[i][cl] == ',')
			return strcmp(b->keys[i], k) ? -1 : 1;
	return 0;
}

static bool cli_cap_batch_new(struct cli_cap_run *run, int linktype)
{
	run->batch = xrealloc(run->batch, (run->nbatch + 1) * sizeof(*run->batch));
	struct cli_cap_batch *b = &run->batch[run->nbatch++];
	memset(b, 0, sizeof(*b));
	b->linktype = linktype;
	char path[PATH_MAX + 32];
	snprintf(b->dir, sizeof(b->dir), "%s/run%zu", cli_cap_tmp, run->nbatch);
	snprintf(path, sizeof(path), "%s/wireshark", b->dir);
	if (mkdir(b->dir, 0700) != 0 || mkdir(path, 0700) != 0) {
		snprintf(run->err, sizeof(run->err), "%s: %s", path, strerror(errno));
		return false;
	}
	snprintf(path, sizeof(path), "%s/ike.pcap", b->dir);
	b->dead = pcap_open_dead(linktype, 262144);
	b->dump = b->dead ? pcap_dump_open(b->dead, path) : NULL;
	if (!b->dump) {
		snprintf(run->err, sizeof(run->err), "%s: %s", path,
			 b->dead ? pcap_geterr(b->dead) : "cannot open");
		return false;
	}
	return true;
}

/* The batch a case goes in: the last one unless its link type differs or
 * one of its cookies is there with another key. Its keys are added. */
static struct cli_cap_batch *cli_cap_batch_for(struct cli_cap_run *run, struct cli_cap_case *c,
					       int linktype)
{
	size_t nk;
	char **keys = cli_cap_case_keys(c, &nk);
	struct cli_cap_batch *b = run->nbatch ? &run->batch[run->nbatch - 1] : NULL;
	bool fits = b && b->linktype == linktype;
	for (size_t i = 0; fits && i < nk; i++)
		fits = cli_cap_key_in(b, keys[i]) >= 0;
	if (!fits) {
		if (!cli_cap_batch_new(run, linktype))
			b = NULL;
		else
			b = &run->batch[run->nbatch - 1];
	}
	for (size_t i = 0; i < nk; i++) {
		if (b && cli_cap_key_in(b, keys[i]) == 0) {
			if (b->nkeys == b->capkeys) {
				b->capkeys = b->capkeys ? 2 * b->capkeys : 64;
				b->keys = xrealloc(b->keys, b->capkeys * sizeof(*b->keys));
			}
			b->keys[b->nkeys++] = keys[i];
		} else {
			free(keys[i]);
		}
	}
	free(keys);
	if (b)
		c->batch = (size_t)(b - run->batch);
	return b;
}

/* A case's ike.pcap appended to its batch; its frame count must be
 * ike.frames' (else the frames could not be told apart). */
static bool cli_cap_append(struct cli_cap_run *run, struct cli_cap_case *c)
{
	char path[PATH_MAX + 16], ebuf[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof(path), "%s/ike.pcap", c->dir);
	pcap_t *in = pcap_open_offline(path, ebuf);
	if (!in) {
		snprintf(run->err, sizeof(run->err), "%s: %s", path, ebuf);
		return false;
	}
	struct cli_cap_batch *b = cli_cap_batch_for(run, c, pcap_datalink(in));
	if (!b) {
		pcap_close(in);
		return false;
	}
	c->first = b->frames + 1;
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0;
	int rc;
	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		pcap_dump((u_char *)b->dump, h, data);
		n++;
	}
	if (rc != PCAP_ERROR_BREAK)
		snprintf(run->err, sizeof(run->err), "%s: %s", path, pcap_geterr(in));
	else if (n != c->nfr)
		snprintf(run->err, sizeof(run->err), "%s: %zu frames, but %s lists %zu", path, n,
			 TIMELINE_FRAMES_FILE, c->nfr);
	pcap_close(in);
	b->frames += n;
	run->frames += n;
	return rc == PCAP_ERROR_BREAK && n == c->nfr;
}

/* Each batch's key table written and its pcap closed. */
static bool cli_cap_batches_close(struct cli_cap_run *run)
{
	bool ok = true;
	for (size_t i = 0; i < run->nbatch; i++) {
		struct cli_cap_batch *b = &run->batch[i];
		char path[PATH_MAX + 64];
		if (b->dump)
			pcap_dump_close(b->dump);
		if (b->dead)
			pcap_close(b->dead);
		b->dump = NULL;
		b->dead = NULL;
		snprintf(path, sizeof(path), "%s/wireshark/%s", b->dir, KEYTAB_IKEV1_FILE);
		FILE *f = fopen(path, "w");
		for (size_t k = 0; f && k < b->nkeys; k++)
			fprintf(f, "%s\n", b->keys[k]);
		if ((!f || fclose(f) != 0) && ok) {
			snprintf(run->err, sizeof(run->err), "%s: %s", path, strerror(errno));
			ok = false;
		}
	}
	return ok;
}

/* ---- tshark ---- */

/* tshark over one batch, its fields into dir/out.txt, its complaints into
 * dir/err.txt. 0 when it ran, else the exit status with err set. */
static int cli_cap_tshark(struct cli_cap_run *run, const struct cli_cap_batch *b)
{
	char pcap[PATH_MAX + 16], out[PATH_MAX + 16], errf[PATH_MAX + 16];
	snprintf(pcap, sizeof(pcap), "%s/ike.pcap", b->dir);
	snprintf(out, sizeof(out), "%s/out.txt", b->dir);
	snprintf(errf, sizeof(errf), "%s/err.txt", b->dir);
	char *const argv[] = { "tshark", "-n", "-r", pcap, "-Y",
			       "_ws.malformed || _ws.expert.severity >= 8388608", "-T", "fields",
			       "-E", "separator=/t", "-E", "aggregator=\x1f", "-e", "frame.number",
			       "-e", "_ws.expert.severity", "-e", "_ws.expert.message", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		/* a private configuration folder: its wireshark/ holds the keys */
		setenv("HOME", b->dir, 1);
		setenv("XDG_CONFIG_HOME", b->dir, 1);
		if (!freopen(out, "w", stdout) || !freopen(errf, "w", stderr))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 127) {
		snprintf(run->err, sizeof(run->err), "tshark cannot run (Debian package tshark)");
		return 3;
	}
	char line[400] = "";
	FILE *f = fopen(errf, "r");
	bool table = false;
	while (f && fgets(line, sizeof(line), f) && !table)
		table = strstr(line, "Error loading table") != NULL;
	if (f)
		fclose(f);
	if (WEXITSTATUS(st) != 0 || table) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(run->err, sizeof(run->err), "tshark on %s: exit %d: %s", pcap,
			 WEXITSTATUS(st), line);
		return 2;
	}
	return 0;
}

/* The messages of error severity in tshark's two aggregated columns. */
static void cli_cap_errors(char *sev, char *msg, char *buf, size_t len)
{
	char *s1 = NULL, *s2 = NULL;
	size_t n = 0;
	buf[0] = '\0';
	char *s = strtok_r(sev, "\x1f", &s1), *m = strtok_r(msg, "\x1f", &s2);
	for (; s && m; s = strtok_r(NULL, "\x1f", &s1), m = strtok_r(NULL, "\x1f", &s2))
		if (strtoul(s, NULL, 10) >= CLI_CAP_SEV_ERROR && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "; " : "", m);
	if (!buf[0])
		snprintf(buf, len, "malformed");
}

/* ---- the verdicts ---- */

enum cli_cap_why { CLI_CAP_OFFENDER, CLI_CAP_INTENDED, CLI_CAP_COPY, CLI_CAP_AFTER };

/* Why a frame tshark flagged is not an offender: sent mutated (or the same
 * bytes as one), the same bytes as an earlier frame (which was judged),
 * or encrypted after a mutation its IV chain ran through (phase 1's, for
 * every message, or its own message ID's): tshark follows the chain
 * through every frame it sees, the mutated one too. *ref: that frame. */
static enum cli_cap_why cli_cap_judge(const struct cli_cap_case *c, size_t k, size_t *ref)
{
	const struct cli_cap_frame *f = &c->fr[k];
	*ref = 0;
	if (f->mutated)
		return CLI_CAP_INTENDED;
	if (f->copy) {
		*ref = f->copy;
		return c->fr[f->copy - 1].mutated ? CLI_CAP_INTENDED : CLI_CAP_COPY;
	}
	for (size_t j = 0; f->enc && j < k; j++)
		if (c->fr[j].mutated && c->fr[j].has_msgid &&
		    (c->fr[j].msgid == 0 || c->fr[j].msgid == f->msgid)) {
			*ref = j + 1;
			return CLI_CAP_AFTER;
		}
	return CLI_CAP_OFFENDER;
}

/* One flagged frame: counted, and printed when it offends (or with -v). */
static void cli_cap_flag(struct cli_cap_run *run, const struct cli_cap_case *c, size_t k,
			 const char *text)
{
	static const char *const why[] = { "", "sent mutated on purpose",
					   "a copy of frame %zu, judged there",
					   "encrypted after the mutation in frame %zu" };
	const struct cli_cap_frame *f = &c->fr[k];
	size_t ref;
	enum cli_cap_why w = cli_cap_judge(c, k, &ref);
	size_t *count[] = { &run->offenders, &run->intended, &run->copies, &run->after };
	(*count[w])++;
	run->flagged++;
	if (w != CLI_CAP_OFFENDER && !run->verbose)
		return;
	char msgid[16] = "-", reason[80] = "";
	if (f->has_msgid)
		snprintf(msgid, sizeof(msgid), "%08" PRIx32, f->msgid);
	if (w != CLI_CAP_OFFENDER) {
		snprintf(reason, sizeof(reason), "skipped, ");
		snprintf(reason + 9, sizeof(reason) - 9, why[w], ref);
		strcat(reason, ": ");
	}
	printf("%s frame %zu (%s %s, msgid %s): %s%s\n", c->id, k + 1, f->dir, f->msg, msgid, reason,
	       text);
}

/* tshark's lines for batch bi, each mapped back to its case and frame. */
static bool cli_cap_read_out(struct cli_cap_run *run, size_t bi)
{
	char path[PATH_MAX + 16], line[4096], text[1024];
	snprintf(path, sizeof(path), "%s/out.txt", run->batch[bi].dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(run->err, sizeof(run->err), "%s: %s", path, strerror(errno));
		return false;
	}
	size_t ci = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sev = strchr(line, '\t'), *msg = sev ? strchr(sev + 1, '\t') : NULL;
		if (!msg)
			continue;
		*sev++ = *msg++ = '\0';
		size_t frame = strtoull(line, NULL, 10);
		/* the cases of a batch are contiguous and tshark's frames ascend */
		while (ci < run->ncase && (run->cases[ci].batch < bi ||
					   (run->cases[ci].batch == bi &&
					    frame >= run->cases[ci].first + run->cases[ci].nfr)))
			ci++;
		if (ci == run->ncase || run->cases[ci].batch != bi || frame < run->cases[ci].first) {
			fclose(f);
			snprintf(run->err, sizeof(run->err), "%s: frame %zu is no case's", path, frame);
			return false;
		}
		cli_cap_errors(sev, msg, text, sizeof(text));
		cli_cap_flag(run, &run->cases[ci], frame - run->cases[ci].first, text);
	}
	fclose(f);
	return true;
}

/* ---- the command ---- */

static void cli_cap_free(struct cli_cap_run *run)
{
	for (size_t i = 0; i < run->ncase; i++) {
		free(run->cases[i].id);
		free(run->cases[i].dir);
		free(run->cases[i].fr);
	}
	free(run->cases);
	for (size_t i = 0; i < run->nbatch; i++) {
		for (size_t k = 0; k < run->batch[i].nkeys; k++)
			free(run->batch[i].keys[k]);
		free(run->batch[i].keys);
	}
	free(run->batch);
}

/* The tree into batches, tshark over each, every flagged frame judged:
 * the exit status. */
static int cli_cap_check(struct cli_cap_run *run)
{
	if (!cli_cap_walk(run))
		return 2;
	for (size_t i = 0; i < run->ncase; i++) {
		struct cli_cap_case *c = &run->cases[i];
		if (!cli_cap_read_frames(run, c) || !cli_cap_append(run, c))
			return 2;
		for (size_t k = 0; k < c->nfr; k++)
			run->mutated += c->fr[k].mutated;
	}
	if (!cli_cap_batches_close(run))
		return 2;
	for (size_t i = 0; i < run->nbatch; i++) {
		int rc = cli_cap_tshark(run, &run->batch[i]);
		if (rc)
			return rc;
		if (!cli_cap_read_out(run, i))
			return 2;
	}
	return run->offenders ? 1 : 0;
}

int cli_check_captures(int argc, char **argv)
{
	struct cli_cap_run run = { 0 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_cap_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			run.verbose = true;
		} else if (argv[i][0] == '-' || run.root) {
			fprintf(stderr, "ike-conform check-captures: unexpected '%s'\n", argv[i]);
			cli_cap_usage(stderr);
			return 2;
		} else {
			run.root = argv[i];
		}
	}
	if (!run.root) {
		cli_cap_usage(stderr);
		return 2;
	}
	const char *td = getenv("TMPDIR");
	snprintf(cli_cap_tmp, sizeof(cli_cap_tmp), "%s/ikec-captures.XXXXXX", td && *td ? td : "/tmp");
	if (!mkdtemp(cli_cap_tmp)) {
		fprintf(stderr, "ike-conform check-captures: %s: %s\n", cli_cap_tmp, strerror(errno));
		return 2;
	}
	signal(SIGINT, cli_cap_on_signal);
	signal(SIGTERM, cli_cap_on_signal);
	uint64_t t0 = clock_ms();
	int rc = cli_cap_check(&run);
	cli_cap_batches_close(&run);
	cli_rm_rf(cli_cap_tmp);
	cli_cap_tmp[0] = '\0';
	if (rc >= 2)
		fprintf(stderr, "ike-conform check-captures: %s\n", run.err);
	else
		printf("check-captures: %zu captures, %zu frames (%zu sent mutated); tshark flagged "
		       "%zu: %zu offending, skipped %zu mutated on purpose, %zu copies, %zu after a "
		       "mutation; %zu tshark run%s, %.1f s\n",
		       run.ncase, run.frames, run.mutated, run.flagged, run.offenders, run.intended,
		       run.copies, run.after, run.nbatch, run.nbatch == 1 ? "" : "s",
		       (double)(clock_ms() - t0) / 1000.0);
	cli_cap_free(&run);
	return rc;
}
