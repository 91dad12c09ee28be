/* core: chunks, bounded reader and writer, hex. */
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "tests.h"

START_TEST(test_reader_bounds)
{
	const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct reader r = reader_init(data, sizeof(data));
	uint8_t b;
	uint16_t h;
	uint32_t w;
	const uint8_t *p;
	ck_assert(reader_u8(&r, &b) && b == 0x01);
	ck_assert(reader_u16(&r, &h) && h == 0x0203);
	ck_assert(!reader_u32(&r, &w)); /* two bytes left */
	ck_assert_uint_eq(r.off, 3);    /* a failed read consumes nothing */
	ck_assert(!reader_bytes(&r, 3, &p));
	ck_assert(reader_bytes(&r, 2, &p) && p[1] == 0x05);
	ck_assert(!reader_u8(&r, &b));
	ck_assert(!reader_skip(&r, 1));
}
END_TEST

/* A stream appended whole, or cut short just past max. */
START_TEST(test_writer_read)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 20000; i++)
		fputc(i & 0xff, f);
	rewind(f);
	struct writer w;
	writer_init(&w);
	writer_u8(&w, 0x55);
	ck_assert(writer_read(&w, f, SIZE_MAX));
	ck_assert_uint_eq(w.len, 20001);
	ck_assert(w.p[0] == 0x55 && w.p[1] == 0 && w.p[20000] == (19999 & 0xff));
	writer_free(&w);
	rewind(f);
	writer_init(&w);
	ck_assert(writer_read(&w, f, 100));
	ck_assert(w.len > 100 && w.len < 20000);
	writer_free(&w);
	rewind(f);
	writer_init(&w);
	ck_assert(writer_read(&w, f, 20000));
	ck_assert_uint_eq(w.len, 20000);
	writer_free(&w);
	fclose(f);
}
END_TEST

START_TEST(test_writer_patch)
{
	struct writer w;
	writer_init(&w);
	writer_u8(&w, 0xaa);
	writer_u16(&w, 0);
	writer_u32(&w, 0x01020304);
	writer_zero(&w, 300); /* forces growth past the first allocation */
	writer_put_u16_at(&w, 1, 0xbeef);
	chunk_t c = writer_take(&w);
	ck_assert_uint_eq(c.len, 307);
	ck_assert_uint_eq(c.ptr[1], 0xbe);
	ck_assert_uint_eq(c.ptr[2], 0xef);
	ck_assert_uint_eq(c.ptr[6], 0x04);
	ck_assert_ptr_null(w.p);
	chunk_free(&c);
}
END_TEST

static const struct {
	const char *in;
	bool ok;
	const char *out;
} hex_cases[] = {
	{ "00ff10", true, "00ff10" },
	{ "0xDEADbeef", true, "deadbeef" },
	{ "", true, "" },
	{ "abc", false, NULL },
	{ "zz", false, NULL },
};

START_TEST(test_hex_table)
{
	chunk_t c;
	bool ok = hex_decode(hex_cases[_i].in, strlen(hex_cases[_i].in), &c);
	ck_assert_int_eq(ok, hex_cases[_i].ok);
	if (!ok)
		return;
	char *s = hex_string(c.ptr, c.len);
	ck_assert_str_eq(s, hex_cases[_i].out);
	free(s);
	chunk_free(&c);
}
END_TEST

START_TEST(test_chunk_cat)
{
	chunk_t parts[] = { CHUNK_FROM("ab", 2), CHUNK_EMPTY, CHUNK_FROM("cde", 3) };
	chunk_t c = chunk_cat(3, parts);
	ck_assert(chunk_eq(c, CHUNK_FROM("abcde", 5)));
	ck_assert(!chunk_eq(c, CHUNK_FROM("abcdf", 5)));
	chunk_free(&c);
}
END_TEST

Suite *suite_core(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_reader_bounds);
	tcase_add_test(tc, test_writer_patch);
	tcase_add_test(tc, test_writer_read);
	tcase_add_loop_test(tc, test_hex_table, 0, sizeof(hex_cases) / sizeof(hex_cases[0]));
	tcase_add_test(tc, test_chunk_cat);
	suite_add_tcase(s, tc);
	return s;
}
