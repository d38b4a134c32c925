/* SPDX-License-Identifier: MIT */
/** @file
 * Models made by TensorFlow: GraphDef import and export (tf.import_graph_def,
 * tf.io.write_graph), V2 checkpoints (tf.train.Saver) and TF1 SavedModels
 * (TF_LoadSessionFromSavedModel).
 *
 * Names in an imported GraphDef are kept as they are (prefix NULL or "") or put under
 * "prefix/"; look them up with tact_graph_op / tact_graph_output("name:0"). The file functions
 * tell the binary format from the text format by the content.
 *
 *     tact_graph_t *g = tact_graph_new();
 *     tact_graph_import_file(g, "frozen.pb", NULL, &st);
 *     tact_output_t x = tact_graph_output(g, "input:0", &st);
 *     tact_output_t y = tact_graph_output(g, "softmax:0", &st);
 */
#ifndef TACT_MODEL_H
#define TACT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <tact/config.h>
#include <tact/export.h>
#include <tact/graph.h>
#include <tact/session.h>
#include <tact/status.h>

TACT_BEGIN_DECLS

/** input_map: a tensor of the GraphDef being imported ("x:0") replaced by an output already in
 * the destination graph. */
typedef struct tact_input_mapping {
    const char *name;
    tact_output_t value;
} tact_input_mapping_t;

/** import_graph_def's options; the zero value is the default. */
typedef struct tact_import_options {
    const char *prefix;                    /* NULL or "": the names as they are */
    const tact_input_mapping_t *input_map;
    int n_input_map;
    const char *default_device;            /* NULL: none */
} tact_import_options_t;

/** Import a serialized GraphDef (binary). g NULL = the default graph; opts NULL = defaults.
 * All or nothing: on error the graph is unchanged.
 *
 * The op types tact imports are those of its op families (runtime/ops/<family>_ops.c; the
 * importer's table is runtime/model/tf_ops.c):
 * - core: Const, Placeholder, PlaceholderWithDefault, Identity, IdentityN, NoOp, Add, AddV2
 *   (runs and exports as Add), BiasAdd (NHWC; runs as an Add with BiasAdd's checks), Sub, Mul, RealDiv, Div, Neg, Relu, Sigmoid,
 *   Tanh, Softmax, MatMul, Sum, Mean, Reshape, Transpose, Cast, Fill, Select, SelectV2, Pack,
 *   RandomUniform, RandomStandardNormal, TruncatedNormal;
 * - math: Abs, Square, Sqrt, Rsqrt, Exp, Log, Erfc, Sign, Floor, Ceil, Round, Reciprocal,
 *   Relu6, LeakyRelu, Elu, Selu, Softplus, Softsign, LogSoftmax, StopGradient, IsFinite, Pow,
 *   Maximum, Minimum, FloorDiv, FloorMod, SquaredDifference, Equal, NotEqual, Less, LessEqual,
 *   Greater, GreaterEqual, LogicalAnd, LogicalOr, LogicalNot, AddN, Max, Min, Prod, ArgMax,
 *   ArgMin;
 * - nn: Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, FusedBatchNorm, FusedBatchNormV3,
 *   BatchMatMulV2, TopKV2;
 * - image: ResizeBilinear, ResizeNearestNeighbor;
 * - array: Shape, Size, Rank, Slice, StridedSlice, Squeeze, ExpandDims, ConcatV2, Split,
 *   Unpack, Tile, Pad, PadV2, GatherV2, OneHot, Range, ZerosLike, OnesLike;
 * - state: VariableV2, Assign, AssignAdd, AssignSub, VarHandleOp, ReadVariableOp,
 *   AssignVariableOp, AssignAddVariableOp, VarIsInitializedOp;
 * - io and strings (tf.compat.v1.train.Saver's subgraph, queues, readers): SaveV2, RestoreV2,
 *   MergeV2Checkpoints, ShardedFilename, StringJoin, StaticRegexFullMatch, FIFOQueueV2 and its
 *   Queue*V2 ops, TextLineReaderV2, WholeFileReaderV2, ReaderReadV2.
 *
 * The axes of the reductions (Sum, Mean, Max, Min, Prod), the shape of Reshape, Transpose's
 * perm and Fill's dims may be computed in the graph (Keras' flatten: Shape, StridedSlice,
 * Pack, Reshape; reduce_max over Range(0, Rank(x))): their values are read when the op runs;
 * from Const nodes they are known when imported. The shape of the random ops and
 * dequeue_many's n must come from Const nodes (INVALID_ARGUMENT naming the node otherwise);
 * those Consts stay in the graph. Errors follow TensorFlow's words: NOT_FOUND "Op type not
 * registered 'Foo' ...", INVALID_ARGUMENT for a malformed buffer, a missing input, a cycle, or
 * a dtype or shape conflict (naming the node). A VariableV2 whose initializer is the Assign
 * named "<variable>/Assign" joins the graph's variables (tact_global_variables_initializer), as
 * does a VarHandleOp whose initializer is the AssignVariableOp "<variable>/Assign" (use_resource
 * graphs; checkpoints then save and restore it). */
TACT_API tact_code_t tact_graph_import(tact_graph_t *g, const void *data, size_t len,
                                       const tact_import_options_t *opts, tact_status_t *st);
/** The same from a file, binary or text format. A missing file is NOT_FOUND. */
TACT_API tact_code_t tact_graph_import_file(tact_graph_t *g, const char *path,
                                            const tact_import_options_t *opts,
                                            tact_status_t *st);
/** @{ */
/** The graph as a binary GraphDef that TensorFlow's import_graph_def accepts; *data from
 * malloc, the caller frees it. Where tact holds axes, a shape or a permutation as attributes
 * (ops built in C), the Const input TensorFlow wants is written as "<op>/reduction_indices",
 * "<op>/shape", "<op>/perm", "<op>/dims" and "<op>/value", "<op>/n"; an imported op writes its
 * original Const back. A random op with a range (or mean and stddev) of its own is written as
 * TensorFlow builds it: the standard distribution ("<op>/RandomUniform"), then Sub, Mul and an
 * AddV2 named after the op. UNIMPLEMENTED for a reduction or transpose over every axis of an
 * input of unknown rank. tact_graph_export_file with as_text writes
 * tf.io.write_graph(as_text=True)'s format. */
TACT_API tact_code_t tact_graph_export(tact_graph_t *g, void **data, size_t *len,
                                       tact_status_t *st);
TACT_API tact_code_t tact_graph_export_file(tact_graph_t *g, const char *path, bool as_text,
                                            tact_status_t *st);
/** @} */

/** @{ */
/** tf.train.Saver in TensorFlow's V2 checkpoint format (prefix.index, prefix.data-*): every
 * variable of the session's graph, by name. Checkpoints written by TensorFlow restore here and
 * the other way round.
 *
 * Save reads every variable in one run (wherever it lives; as with SaveV2, a step running
 * meanwhile may have updated some variables and not yet others), writes both files under
 * temporary names, fsyncs them and renames them into place, so a crash never leaves a torn
 * checkpoint at `prefix`; it also writes the directory's "checkpoint" file, as Saver.save, for
 * tf.train.latest_checkpoint. An uninitialised variable is FAILED_PRECONDITION "Attempting to
 * use uninitialized value v"; a missing directory NOT_FOUND; a graph without variables
 * INVALID_ARGUMENT "No variables to save".
 *
 * Restore checks every variable against the checkpoint and reads every value before it assigns
 * any (all or nothing), then assigns each through its initializer on the variable's device; the
 * variables are initialised afterwards. No checkpoint is NOT_FOUND "The passed save_path is not
 * a valid checkpoint: prefix"; a variable missing from it NOT_FOUND "Key v not found in
 * checkpoint"; another dtype or shape INVALID_ARGUMENT, in TensorFlow's words; a corrupt or
 * truncated file DATA_LOSS. Both are safe to call while other threads run the session (the
 * values a concurrent run sees are each variable's old or new one), and saves to different
 * prefixes may run at once; two saves to one prefix must not. */
TACT_API tact_code_t tact_checkpoint_save(tact_session_t *s, const char *prefix,
                                          tact_status_t *st);
TACT_API tact_code_t tact_checkpoint_restore(tact_session_t *s, const char *prefix,
                                             tact_status_t *st);
/** @} */

/** TF_LoadSessionFromSavedModel: import the MetaGraphDef whose tags match into `graph` (empty,
 * or NULL for a new one owned by the session), make a session, restore its variables.
 *
 * Reads <export_dir>/saved_model.pb (else saved_model.pbtxt), picks the MetaGraphDef whose tag
 * set is tags[0..n_tags) (a set: order and repeats do not count), imports its graph, starts a
 * session with `config` (NULL: defaults), feeds the saver's filename tensor with
 * "<export_dir>/variables/variables" and runs its restore op (no variables/variables.index or
 * no saver: nothing to restore), then runs the main op or legacy init op if there is one. The
 * signature_def map stays with the session for tact_saved_model_signature. Caller owns the
 * result; a graph given stays the caller's (the session holds its own reference).
 *
 * On failure returns NULL and fills `st` (a failure after the import leaves the imported ops
 * in a graph given, as TensorFlow's loader leaves them in its session's graph):
 * NOT_FOUND "SavedModel file does not exist at: <dir>/{saved_model.pbtxt|saved_model.pb}";
 * NOT_FOUND "MetaGraphDef associated with tags 'gpu' could not be found in SavedModel, with
 * available tags '[{'serve'}]'. ..." (TF 2.21's words); DATA_LOSS "Can't parse <path> as binary
 * proto"; an op type tact lacks NOT_FOUND from the import, naming it; INVALID_ARGUMENT for a
 * graph that is not empty; a failed restore or main op with its run's status. Thread-safe for
 * different graphs. */
TACT_API tact_session_t *tact_saved_model_load(const char *export_dir, const char *const *tags,
                                               int n_tags, tact_graph_t *graph,
                                               const tact_config_t *config, tact_status_t *st);
/** The tensor a signature (NULL key: "serving_default") maps `name` to, among its inputs or
 * outputs. NOT_FOUND naming the key or the name when there is none, listing those there are
 * ("Signature 'serving_default' has no input 'y'; its inputs: {x}"); INVALID_ARGUMENT for a
 * session tact_saved_model_load did not make, and for a COO sparse tensor ("sparse signatures
 * are not supported yet"). On failure returns {NULL, -1}. Thread-safe. */
TACT_API tact_output_t tact_saved_model_signature(tact_session_t *s, const char *signature_key,
                                                  const char *name, bool input,
                                                  tact_status_t *st);

/** The keys of the SavedModel's signatures ("serving_default", ...), in the order its
 * MetaGraphDef lists them: stores the first min(n, cap) into keys[0..cap) and returns n, so a
 * call with cap 0 (keys may then be NULL) counts them. The strings are borrowed; valid until
 * the session is destroyed. On failure returns -1 and fills `st`: INVALID_ARGUMENT for a session
 * tact_saved_model_load did not make. Thread-safe. */
TACT_API int tact_saved_model_signature_keys(tact_session_t *s, const char **keys, int cap,
                                             tact_status_t *st);

/** The names of a signature's (NULL key: "serving_default") inputs (`input` true) or outputs,
 * the names tact_saved_model_signature takes, in the order the signature lists them: stores
 * the first min(n, cap) into names[0..cap) and returns n, so a call with cap 0 (names may then
 * be NULL) counts them. The strings are borrowed; valid until the session is destroyed. On
 * failure returns -1 and fills `st`: NOT_FOUND for a key the SavedModel has no signature for,
 * listing those there are, as tact_saved_model_signature; INVALID_ARGUMENT for a session
 * tact_saved_model_load did not make. Thread-safe.
 *
 *     const char *in[4];
 *     int n = tact_saved_model_signature_names(s, NULL, true, in, 4, &st);
 *     tact_output_t x = tact_saved_model_signature(s, NULL, in[0], true, &st);
 */
TACT_API int tact_saved_model_signature_names(tact_session_t *s, const char *signature_key,
                                              bool input, const char **names, int cap,
                                              tact_status_t *st);

TACT_END_DECLS

#endif
