/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the input written as saved_model.pb into a temporary directory and loaded
 * with tags {"serve"} (tact_saved_model_load). Any input gives a session or an error, never a
 * crash, a leak or a claimed-size allocation; a loaded session answers a signature lookup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tact/tact.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];
static char fuzz_file[96];

static void remove_files(void)
{
    unlink(fuzz_file);
    rmdir(fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_dir[0] == '\0') {
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/tact-fuzz-sm-XXXXXX");
        if (mkdtemp(fuzz_dir) == NULL)
            abort();
        snprintf(fuzz_file, sizeof fuzz_file, "%s/saved_model.pb", fuzz_dir);
        atexit(remove_files);
    }
    FILE *f = fopen(fuzz_file, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size))
        abort();
    fclose(f);
    const char *const tags[] = {"serve"};
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(fuzz_dir, tags, 1, NULL, NULL, &st);
    if (s == NULL) {
        if (st.code == TACT_CODE_OK || st.msg[0] == '\0')
            abort();  /* every error says what it is */
        return 0;
    }
    tact_status_t sst = TACT_STATUS_INIT;
    tact_saved_model_signature(s, NULL, "x", true, &sst);
    tact_session_destroy(&s);
    return 0;
}
