/* SPDX-License-Identifier: MIT */
/* What tact_saved_model_load keeps with the session it makes: the loaded MetaGraphDef's
 * signature_def map, for tact_saved_model_signature. */
#ifndef TACT_RUNTIME_MODEL_SAVED_MODEL_H
#define TACT_RUNTIME_MODEL_SAVED_MODEL_H

#include "runtime/base/prelude.h"

typedef struct tact_saved_model tact_saved_model_t;

/* Frees what the session kept; NULL is fine. Called by the session's destroy. */
void tact__saved_model_free(tact_saved_model_t *sm);

#endif
