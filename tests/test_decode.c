/* cli/decode: the bundled captures decode, decrypt with their key table, and
 * the malformed ones fail precisely. Runs the real binary, as a user would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/decode.h"
#include "tests.h"

/* Run `ike-conform decode ARGS`, capturing stdout+stderr; returns the exit
 * status, or -1 when the binary is not built. */
static int decode_run(const char *args, char **output)
{
	const char *bin = getenv("IKEC_BIN");
	if (!bin)
		return -1;
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "%s decode %s 2>&1", bin, args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t cap = 65536, len = 0, n;
	char *buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	*output = buf;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t decode_count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const struct {
	const char *file;
	int status;
	const char *expect[4];   /* substrings the output must contain */
} decode_files[] = {
	{ "pcaps/ipsec-ikev1-isakmp-main-mode.pcap", 0,
	  { "9 messages, 0 decrypted, 5 not decrypted, 0 malformed", "Identity Protection" } },
	{ "pcaps/ipsec-ikev1-isakmp-aggressive-mode.pcap", 0,
	  { "6 messages", "0 malformed", "Aggressive" } },
	{ "pcaps/ipsec.cap", 0, { "11 messages", "NO-PROPOSAL-CHOSEN (14)", "0 malformed" } },
	{ "pcaps/libreswan/01-isakmp-vid-first.pcap", 0, { "0 malformed", "Vendor ID" } },
	{ "pcaps/libreswan/weirdike-eastwest.pcap-ike.pcap", 0,
	  { "0 malformed", "243" } },
	{ "pcaps/ipsec-ikev1-payload-bad-length.pcap", 1,
	  { "1 malformed", "PAYLOAD-MALFORMED (16)", "At offset 90: VID field 'length'" } },
	{ "pcaps/ipsec-ikev1-zero-length.pcap", 1,
	  { "1 malformed", "PAYLOAD-MALFORMED (16)", "At offset 24: header field 'length'" } },
	{ "ike-scan_packets/pkt-aggr-mode-response.dat", 0,
	  { "62.3.105.251", "0 malformed" } },
	/* saved from port 4500: the marker is recognised and stripped */
	{ "ike-scan_packets/pkt-main-natt-response.dat", 0,
	  { "non-ESP marker", "f92704e8a4245b38", "Firewall-1", "0 malformed" } },
	{ "ike-scan_packets/pkt-malformed.dat", 1,
	  { "INVALID-MAJOR-VERSION (5)", "offset 17", "1 malformed" } },
};

START_TEST(test_decode_files)
{
	const char *path = test_vector_path(decode_files[_i].file);
	if (!path) {
		test_skip(decode_files[_i].file, "../shared/vectors is absent");
		return;
	}
	char *out = NULL;
	int st = decode_run(path, &out);
	if (st < 0) {
		test_skip("decode", "IKEC_BIN is not set (run through make check)");
		return;
	}
	ck_assert_msg(st == decode_files[_i].status, "%s: exit %d\n%s", decode_files[_i].file, st, out);
	for (size_t k = 0; k < 4 && decode_files[_i].expect[k]; k++)
		ck_assert_msg(strstr(out, decode_files[_i].expect[k]), "%s: no '%s' in:\n%s",
			      decode_files[_i].file, decode_files[_i].expect[k], out);
	free(out);
}
END_TEST

/* The Wireshark capture: with its key table, Main Mode 5 and 6 decrypt to
 * ID, CERT and SIG; Quick Mode decrypts through the per-message-ID IV. */
START_TEST(test_decode_certs_decrypt)
{
	const char *pcap = test_vector_path("pcaps/ikev1-certs.pcap");
	const char *keys = test_vector_path("pcaps/wireshark_ikev1_decryption_table.txt");
	if (!pcap || !keys) {
		test_skip("decode ikev1-certs", "../shared/vectors is absent");
		return;
	}
	char args[2048], *out = NULL;
	snprintf(args, sizeof(args), "--keys %s %s", keys, pcap);
	int st = decode_run(args, &out);
	if (st < 0) {
		test_skip("decode", "IKEC_BIN is not set (run through make check)");
		return;
	}
	ck_assert_msg(st == 0, "exit %d\n%s", st, out);
	ck_assert_msg(strstr(out, "10 messages, 6 decrypted, 0 not decrypted, 0 malformed"), "%s", out);
	/* Frames 5 and 6: ID, CERT, SIG each, the certificate OpenSwan's. */
	const char *f5 = strstr(out, "Frame 5 ");
	ck_assert_ptr_nonnull(f5);
	const char *f7 = strstr(out, "Frame 7 ");
	ck_assert_ptr_nonnull(f7);
	size_t len = (size_t)(f7 - f5);
	char *mm56 = strndup(f5, len);
	ck_assert_uint_eq(decode_count(mm56, "Decrypted ("), 2);
	ck_assert_uint_ge(decode_count(mm56, "Identification"), 2);
	ck_assert_uint_ge(decode_count(mm56, "Certificate"), 2);
	ck_assert_uint_ge(decode_count(mm56, "Signature"), 2);
	free(mm56);
	/* Frame 8 repeats frame 7 byte for byte. */
	ck_assert_ptr_nonnull(strstr(out, "Retransmission of frame 7"));
	free(out);
}
END_TEST

START_TEST(test_decode_key_table_errors)
{
	struct decode_keys k;
	char err[256];
	char path[] = "/tmp/ikec-keys-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# comment\n\"fafaeb49382a763c\",\"00112233\"\nabc,00\n");
	fclose(f);
	ck_assert(!decode_keys_load(path, &k, err, sizeof(err)));
	ck_assert_msg(strstr(err, ":3: initiator cookie 'abc'"), "%s", err);
	f = fopen(path, "w");
	fprintf(f, "fafaeb49382a763c,00112233\n\n0102030405060708, 0a0b \n");
	fclose(f);
	ck_assert_msg(decode_keys_load(path, &k, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(k.n, 2);
	ck_assert_uint_eq(k.k[1].key.len, 2);
	ck_assert_uint_eq(k.k[1].icookie[7], 8);
	decode_keys_free(&k);
	ck_assert(!decode_keys_load("/nonexistent", &k, err, sizeof(err)));
	remove(path);
}
END_TEST

Suite *suite_decode(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_decode_files, 0, sizeof(decode_files) / sizeof(decode_files[0]));
	tcase_add_test(tc, test_decode_certs_decrypt);
	tcase_add_test(tc, test_decode_key_table_errors);
	suite_add_tcase(s, tc);
	return s;
}
