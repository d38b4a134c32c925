/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a V2 checkpoint (the index table and its data file) read as restore reads
 * it. The input is split into the two files: a 4-byte little-endian index length, the index,
 * then the data. Any input gives values or an error, never a crash, a leak or a claimed-size
 * allocation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/model/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_prefix[64];

static void write_file(const char *suffix, const uint8_t *bytes, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s%s", fuzz_prefix, suffix);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (n > 0 && fwrite(bytes, 1, n, f) != n)
        abort();
    fclose(f);
}

static void remove_files(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s.index", fuzz_prefix);
    unlink(path);
    snprintf(path, sizeof path, "%s.data-00000-of-00001", fuzz_prefix);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_prefix[0] == '\0') {
        snprintf(fuzz_prefix, sizeof fuzz_prefix, "/tmp/tact-fuzz-ckpt-%d", (int) getpid());
        atexit(remove_files);
    }
    if (size < 4)
        return 0;
    size_t index_len = (size_t) data[0] | (size_t) data[1] << 8 | (size_t) data[2] << 16 |
                       (size_t) data[3] << 24;
    data += 4;
    size -= 4;
    if (index_len > size)
        index_len = size;
    write_file(".index", data, index_len);
    write_file(".data-00000-of-00001", data + index_len, size - index_len);
    tact_status_t st = TACT_STATUS_INIT;
    tact_bundle_t *b = tact__bundle_open(fuzz_prefix, false, &st);
    if (b != NULL) {
        tact__bundle_verify(b, &st);
        tact__bundle_destroy(&b);
    }
    if (st.code != TACT_CODE_OK && st.msg[0] == '\0')
        abort();  /* every error says what it is */
    return 0;
}
