/* fuzz-seeds OUT VECTORS [SEEDS]: the seed corpora of the fuzz targets
 * into OUT/<target>/, made from what exists (nothing is copied into the
 * repository):
 *   codec   every ISAKMP datagram of VECTORS/pcaps (and libreswan/) and
 *           VECTORS/ike-scan_packets, a genuine exchange of each kind
 *           (datagrams, and decrypted ones as cleartext messages)
 *   engine  those exchanges as records for each mode (fuzz/fuzz.h), and
 *           each file of SEEDS (out/seeds/ of `make run`) as a record
 *   suite   the ```yaml blocks of two docs (suites/ and tests/suites/
 *           are read by the fuzzer where they are)
 *   esp     packets sealed by each of the target's SAs
 *   capture the genuine exchanges as pcaps (IPv4 and IPv6, port 500 and
 *           4500; the vectors' pcaps are read where they are)
 * Deterministic names, so a second run rewrites the same files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "core/log.h"
#include "esp/esp.h"
#include "fuzz/fuzz.h"
#include "report/capture.h"

static const char *out_dir;
static size_t written;

static void fuzz_seeds_put(const char *target, const char *name, const void *p, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	mkdir(out_dir, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f)) {
		fprintf(stderr, "fuzz-seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	written++;
}

/* ---- codec: datagrams from files ---- */
static void fuzz_seeds_codec_file(const char *path, const char *base)
{
	struct capture c;
	char err[256];
	if (!capture_read_any(path, &c, err, sizeof(err)))
		return;
	for (size_t i = 0; i < c.count; i++) {
		char name[512];
		snprintf(name, sizeof(name), "%s-%zu.bin", base, i);
		fuzz_seeds_put("codec", name, c.dgrams[i].data.ptr, c.dgrams[i].data.len);
	}
	capture_free(&c);
}

static void fuzz_seeds_codec_dir(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool pcap = n > 4 && (!strcmp(de->d_name + n - 4, ".cap") ||
				      (n > 5 && !strcmp(de->d_name + n - 5, ".pcap")));
		bool dat = n > 4 && !strcmp(de->d_name + n - 4, ".dat");
		if (!pcap && !dat)
			continue;
		char path[4096], base[600];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(base, sizeof(base), "%s%s", prefix, de->d_name);
		fuzz_seeds_codec_file(path, base);
	}
	closedir(d);
}

/* ---- genuine exchanges ---- */

/* The header of d with the E flag cleared, then plain: a cleartext
 * message with the payloads of an encrypted one. */
static chunk_t fuzz_seeds_with_header(chunk_t d, chunk_t plain, bool enc)
{
	struct writer w;
	writer_init(&w);
	writer_bytes(&w, d.ptr, WIRE_HDR_LEN);
	writer_bytes(&w, plain.ptr, plain.len);
	if (enc)
		w.p[19] |= WIRE_F_ENC;
	else
		w.p[19] &= (uint8_t)~WIRE_F_ENC;
	writer_put_u32_at(&w, 24, (uint32_t)w.len);
	return writer_take(&w);
}

/* One exchange run to its end: the default script (then extra) from a
 * genuine initiator, a serving responder; signatures with sig. */
static void fuzz_seeds_run(struct fuzz_world *w, const char *name, uint8_t xchg,
			   const struct ike_step *extra, size_t nextra,
			   const struct pki_testpki *sig)
{
	fuzz_world_init(w, xchg);
	if (sig)
		fuzz_world_sig(w, sig);
	struct ike_step steps[IKE_MAX_STEPS];
	size_t n = ike_script_default(&w->ci, steps, IKE_MAX_STEPS);
	for (size_t i = 0; i < nextra && n < IKE_MAX_STEPS; i++)
		steps[n++] = extra[i];
	w->ei = ike_engine_new(&w->ci, w->ti, &w->ar, steps, n, "init");
	w->er = ike_engine_new(&w->cr, w->tr, NULL, NULL, 0, "resp");
	ike_engine_set_serve(w->er, true);
	struct ike_engine *e[2] = { w->ei, w->er };
	ike_run(e, 2, w->hub, 0, 60000);
	const struct ike_result *ri = ike_engine_result(w->ei);
	if (!ri->established)
		fprintf(stderr, "fuzz-seeds: %s: not established: %s\n", name, ri->error);
}

/* The exchange as a raw-IP pcap for the capture target: IPv4 on 500,
 * IPv6 on 4500 with the marker. */
static void fuzz_seeds_pcap(const char *name, const struct ike_result *ri)
{
	char pcap[4096], perr[256];
	snprintf(pcap, sizeof(pcap), "%s/capture", out_dir);
	mkdir(out_dir, 0755);
	mkdir(pcap, 0755);
	snprintf(pcap, sizeof(pcap), "%s/capture/%s.pcap", out_dir, name);
	struct capture_writer *cw = capture_writer_open(pcap, perr, sizeof(perr));
	for (size_t i = 0; cw && i < ri->nevent; i++) {
		const struct ike_event *ev = &ri->event[i];
		bool v6 = i % 2;
		struct capture_addr a = { .family = v6 ? AF_INET6 : AF_INET,
					  .port = v6 ? 4500 : 500 };
		struct capture_addr b = a;
		a.ip[0] = 192;
		b.ip[0] = 198;
		struct timeval tv = { .tv_sec = (time_t)i };
		capture_writer_add(cw, &tv, ev->sent ? &a : &b, ev->sent ? &b : &a, v6,
				   ev->datagram.ptr, ev->datagram.len);
	}
	if (cw) {
		capture_writer_close(cw);
		written++;
	}
}

/* The codec seeds of one message: the datagram, the first messages with
 * field paths after them, the decrypted ones as cleartext messages. */
static void fuzz_seeds_codec_event(const char *name, size_t i, const struct ike_event *ev)
{
	char fn[256];
	const char *kind = ike_kind_name(ev->kind);
	snprintf(fn, sizeof(fn), "%s-%zu-%s.bin", name, i, kind);
	fuzz_seeds_put("codec", fn, ev->datagram.ptr, ev->datagram.len);
	if (ev->kind == IKE_K_MM1 || ev->kind == IKE_K_AM1) {
		/* paths after the message, as the codec target reads them */
		static const char *const paths[] = {
			"sa.proposal[0].transform[1].attr[2].value=14",
			"header.length=4", "payload[1].next_payload=77", "vid[1].data",
		};
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
			struct writer pw;
			writer_init(&pw);
			writer_bytes(&pw, ev->datagram.ptr, ev->datagram.len);
			writer_bytes(&pw, paths[k], strlen(paths[k]));
			snprintf(fn, sizeof(fn), "%s-%zu-%s-path%zu.bin", name, i, kind, k);
			fuzz_seeds_put("codec", fn, pw.p, pw.len);
			writer_free(&pw);
		}
	}
	if (ev->plaintext.len) {
		chunk_t c = fuzz_seeds_with_header(ev->datagram, ev->plaintext, false);
		snprintf(fn, sizeof(fn), "%s-%zu-%s-plain.bin", name, i, kind);
		fuzz_seeds_put("codec", fn, c.ptr, c.len);
		chunk_free(&c);
	}
}

/* The initiator's first sending of one message as engine records:
 * plaintext phase 1 as sent (fresh), encrypted ones as plaintexts to
 * encrypt (keyed from mm5 on; served: Quick Mode and informational). */
static void fuzz_seeds_record_event(const struct ike_event *ev, struct writer *fresh,
				    struct writer *keyed, struct writer *served)
{
	if (!ev->sent || ev->retransmit)
		return;
	if (!ev->plaintext.len) {
		fuzz_put_record(fresh, 0, ev->datagram.ptr, ev->datagram.len);
		return;
	}
	chunk_t c = fuzz_seeds_with_header(ev->datagram, ev->plaintext, false);
	bool p1 = ike_kind_phase1(ev->kind);
	uint8_t fl = FUZZ_REC_ENCRYPT | (p1 ? FUZZ_REC_HASH_I
					    : ev->kind == IKE_K_QM3 ? FUZZ_REC_HASH3
								    : FUZZ_REC_HASH);
	fuzz_put_record(fresh, fl, c.ptr, c.len);
	fuzz_put_record(p1 ? keyed : served, fl, c.ptr, c.len);
	if (!p1)
		fuzz_put_record(keyed, fl, c.ptr, c.len);
	chunk_free(&c);
}

/* The three engine seeds of an exchange (fresh, keyed, served), and for
 * a PSK Main Mode the same for the long-lived responder (modes 4, 5);
 * the writers freed. */
static void fuzz_seeds_put_records(const char *name, uint8_t xchg, bool sig, struct writer *ws[3])
{
	static const char *const wn[3] = { "fresh", "keyed", "served" };
	for (int i = 0; i < 3; i++) {
		char fn[256];
		snprintf(fn, sizeof(fn), "%s-%s.bin", name, wn[i]);
		if (ws[i]->len > 1)
			fuzz_seeds_put("engine", fn, ws[i]->p, ws[i]->len);
		/* the same for the long-lived responder (modes 4, 5) */
		if (ws[i]->len > 1 && xchg == WIRE_X_MAIN && i != 1 && !sig) {
			ws[i]->p[0] = i == 0 ? 4 : 5;
			snprintf(fn, sizeof(fn), "%s-server-%s.bin", name, wn[i]);
			fuzz_seeds_put("engine", fn, ws[i]->p, ws[i]->len);
		}
		writer_free(ws[i]);
	}
}

/* Run one exchange; the initiator's messages as codec seeds, and into
 * the engine seeds of the given modes. */
static void fuzz_seeds_exchange(const char *name, uint8_t xchg, const struct ike_step *extra,
				size_t nextra, const struct pki_testpki *sig)
{
	struct fuzz_world w;
	fuzz_seeds_run(&w, name, xchg, extra, nextra, sig);
	const struct ike_result *ri = ike_engine_result(w.ei);
	/* the records' mode bytes: fresh 0 (3 Aggressive, 6 signatures),
	 * keyed 1 (7 signatures), served 2 */
	struct writer fresh, keyed, served;
	writer_init(&fresh);
	writer_init(&keyed);
	writer_init(&served);
	writer_u8(&fresh, sig ? 6 : xchg == WIRE_X_AGGR ? 3 : 0);
	writer_u8(&keyed, sig ? 7 : 1);
	writer_u8(&served, 2);
	fuzz_seeds_pcap(name, ri);
	for (size_t i = 0; i < ri->nevent; i++) {
		fuzz_seeds_codec_event(name, i, &ri->event[i]);
		fuzz_seeds_record_event(&ri->event[i], &fresh, &keyed, &served);
	}
	struct writer *ws[3] = { &fresh, &keyed, &served };
	fuzz_seeds_put_records(name, xchg, sig != NULL, ws);
	fuzz_world_free(&w);
}

/* ---- engine: out/seeds files ---- */
static void fuzz_seeds_engine_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		uint8_t buf[65536];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		struct writer w;
		writer_init(&w);
		if (strstr(de->d_name, "-plain-")) {
			/* a plaintext: a header for its kind, then encrypted */
			bool qm = !strncmp(de->d_name, "qm", 2);
			bool p1 = !strncmp(de->d_name, "mm", 2) || !strncmp(de->d_name, "am", 2);
			uint8_t h[WIRE_HDR_LEN] = { 0 };
			h[16] = n ? 8 : 0;
			h[17] = 0x10;
			h[18] = qm ? WIRE_X_QUICK : p1 ? (de->d_name[0] == 'a' ? WIRE_X_AGGR
										 : WIRE_X_MAIN)
						: WIRE_X_INFO;
			if (!p1)
				h[23] = 1;
			writer_u8(&w, p1 ? 1 : 2);
			uint8_t fl = FUZZ_REC_ENCRYPT | (p1 ? 0 : FUZZ_REC_HASH);
			uint8_t rec[3] = { fl, (uint8_t)((n + WIRE_HDR_LEN) >> 8),
					   (uint8_t)(n + WIRE_HDR_LEN) };
			writer_bytes(&w, rec, 3);
			writer_bytes(&w, h, WIRE_HDR_LEN);
			writer_bytes(&w, buf, n);
		} else {
			writer_u8(&w, 0);
			fuzz_put_record(&w, 0, buf, n);
		}
		char fn[600];
		snprintf(fn, sizeof(fn), "seeds-%s", de->d_name);
		fuzz_seeds_put("engine", fn, w.p, w.len);
		writer_free(&w);
	}
	closedir(d);
}

/* ---- suite: the yaml blocks of the docs ---- */
static void fuzz_seeds_suite_docs(void)
{
	static const char *const docs[] = { "docs/suite-format.md", "docs/peer-config.md" };
	for (size_t k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
		FILE *f = fopen(docs[k], "r");
		if (!f)
			continue;
		char line[4096];
		struct writer w;
		writer_init(&w);
		bool in = false;
		size_t nblock = 0;
		while (fgets(line, sizeof(line), f)) {
			if (!in && !strncmp(line, "```yaml", 7)) {
				in = true;
				w.len = 0;
			} else if (in && !strncmp(line, "```", 3)) {
				in = false;
				char fn[256];
				snprintf(fn, sizeof(fn), "doc%zu-%zu.yaml", k, nblock++);
				fuzz_seeds_put("suite", fn, w.p, w.len);
			} else if (in) {
				writer_bytes(&w, line, strlen(line));
			}
		}
		writer_free(&w);
		fclose(f);
	}
}

/* ---- esp: sealed packets ---- */
static void fuzz_seeds_esp_packets(void)
{
	for (size_t a = 0; a < FUZZ_ESP_NALGS; a++) {
		struct ike_p2_xform x;
		char err[256];
		if (!ike_p2_parse(fuzz_esp_algs[a], &x, err, sizeof(err)))
			continue;
		uint8_t enc[64], integ[64];
		chunk_t e, i;
		fuzz_esp_keys(&x, enc, integ, &e, &i);
		const uint8_t spi[4] = { FUZZ_ESP_SPI >> 24, (FUZZ_ESP_SPI >> 16) & 0xff,
					 (FUZZ_ESP_SPI >> 8) & 0xff, FUZZ_ESP_SPI & 0xff };
		struct esp_sa *sa = esp_sa_new(spi, &x, e, i, err, sizeof(err));
		if (!sa)
			continue;
		struct writer w;
		writer_init(&w);
		writer_u8(&w, (uint8_t)a);
		static const size_t sizes[] = { 0, 1, 20, 64, 100 };
		chunk_t first = CHUNK_EMPTY;
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			uint8_t inner[100];
			for (size_t j = 0; j < sizes[k]; j++)
				inner[j] = (uint8_t)(0x45 + j);
			chunk_t pkt;
			if (!esp_seal(sa, 4, inner, sizes[k], &pkt))
				continue;
			fuzz_put_record(&w, 0, pkt.ptr, pkt.len);
			if (!first.len)
				first = pkt;
			else
				chunk_free(&pkt);
		}
		fuzz_put_record(&w, 0, first.ptr, first.len);   /* a replay */
		chunk_free(&first);
		/* a plaintext sealed by the target (valid ICV, padding 1, 2) */
		static const uint8_t plain[16] = { 0x45, 0, 0, 12, 0, 0, 0, 0,
						   0, 0, 0, 0, 1, 2, 2, 4 };
		fuzz_put_record(&w, 0x01, plain, sizeof(plain));
		char fn[64];
		snprintf(fn, sizeof(fn), "esp-%zu.bin", a);
		fuzz_seeds_put("esp", fn, w.p, w.len);
		writer_free(&w);
		esp_sa_free(sa);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz-seeds OUT VECTORS [SEEDS]\n");
		return 2;
	}
	log_set_level(LOG_ERR);
	out_dir = argv[1];
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/pcaps", argv[2]);
	fuzz_seeds_codec_dir(dir, "pcap-");
	snprintf(dir, sizeof(dir), "%s/pcaps/libreswan", argv[2]);
	fuzz_seeds_codec_dir(dir, "libreswan-");
	snprintf(dir, sizeof(dir), "%s/ike-scan_packets", argv[2]);
	fuzz_seeds_codec_dir(dir, "ike-scan-");

	static const struct ike_step info[] = {
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_NOTIFY, .notify = WIRE_N_INITIAL_CONTACT,
		  .protocol = 1 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DELETE, .protocol = 3 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DELETE, .protocol = 1 },
	};
	fuzz_seeds_exchange("main", WIRE_X_MAIN, info, sizeof(info) / sizeof(info[0]), NULL);
	fuzz_seeds_exchange("aggr", WIRE_X_AGGR, NULL, 0, NULL);
	struct pki_err pe;
	struct pki_testpki *pki = fuzz_pki(&pe);
	if (!pki) {
		fprintf(stderr, "fuzz-seeds: test PKI: %s\n", pe.msg);
		return 1;
	}
	fuzz_seeds_exchange("main-rsa", WIRE_X_MAIN, NULL, 0, pki);
	pki_testpki_free(pki);
	if (argc > 3)
		fuzz_seeds_engine_dir(argv[3]);
	fuzz_seeds_suite_docs();
	fuzz_seeds_esp_packets();
	printf("  SEEDS    %zu files in %s\n", written, out_dir);
	return 0;
}
