/* SPDX-License-Identifier: MIT */
/* The op table and the CPU kernels, without graphs or sessions: ops are built by hand on the
 * stack, tact__op_infer gives the output (RUN phase, concrete shapes), the kernel fills it, and
 * the values are checked exactly (floats within a tolerance). Inference errors are checked in
 * both phases, word for word, since their text is what users see. */
#include "devices/cpu/kernels.h" /* first: the prelude's _GNU_SOURCE precedes system headers */
#include "devices/cpu/kernels/family.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#define F32  TACT_DTYPE_F32
#define F64  TACT_DTYPE_F64
#define I32  TACT_DTYPE_I32
#define I64  TACT_DTYPE_I64
#define BOOL TACT_DTYPE_BOOL
#define STR  TACT_DTYPE_STRING

#define BUILD TACT_INFER_BUILD
#define RUN   TACT_INFER_RUN

#define SHP(n, ...) ((tact_shape_t){.ndims = (n), .dims = {__VA_ARGS__}})
#define SCALAR      ((tact_shape_t){.ndims = 0})
#define UNKNOWN     ((tact_shape_t){.ndims = -1})

#define DTS(...)    ((const tact_dtype_t[]){__VA_ARGS__})
#define SHAPES(...) ((const tact_shape_t[]){__VA_ARGS__})
#define VF32(...)   ((const float[]){__VA_ARGS__})
#define VF64(...)   ((const double[]){__VA_ARGS__})
#define VI32(...)   ((const int32_t[]){__VA_ARGS__})
#define VI64(...)   ((const int64_t[]){__VA_ARGS__})
#define VU8(...)    ((const uint8_t[]){__VA_ARGS__})

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static tact_tensor_t *tk_new(tact_dtype_t dtype, tact_shape_t shape, const void *data)
{
    tact_tensor_t *t = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    if (t->nbytes > 0)
        memcpy(t->data, data, t->nbytes);
    return t;
}

/* A tensor whose elements are 0, 1, 2, ... in dtype (bools alternate). */
static tact_tensor_t *tk_iota(tact_dtype_t dtype, tact_shape_t shape)
{
    tact_tensor_t *t = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    for (int64_t i = 0; i < t->nelems; i++) {
        switch (dtype) {
        case F32:
            ((float *) t->data)[i] = (float) i;
            break;
        case F64:
            ((double *) t->data)[i] = (double) i;
            break;
        case I32:
            ((int32_t *) t->data)[i] = (int32_t) i;
            break;
        case I64:
            ((int64_t *) t->data)[i] = i;
            break;
        default:
            ((uint8_t *) t->data)[i] = (uint8_t) (i & 1);
            break;
        }
    }
    return t;
}

/* Run one op: infer (RUN phase) on the inputs, allocate the output poisoned with 0xA5 so an
 * element the kernel forgets shows up, run the kernel. NULL with `st` filled on failure. */
static tact_tensor_t *tk_run(tact_op_kind_t kind, const tact_op_attrs_t *attrs, int n_in,
                             const tact_tensor_t *a, const tact_tensor_t *b, tact_status_t *st)
{
    tact_op_t op = {.tag = TACT_TAG_OP, .kind = kind, .name = "op", .n_outputs = 1};
    if (attrs != NULL)
        op.attrs = *attrs;
    const tact_tensor_t *in[2] = {a, b};
    tact_dtype_t dtypes[2] = {0};
    tact_shape_t shapes[2] = {0};
    for (int i = 0; i < n_in; i++) {
        dtypes[i] = in[i]->dtype;
        shapes[i] = tact__tensor_shape(in[i]);
    }
    tact_dtype_t dtype;
    tact_shape_t shape;
    if (tact__op_infer(kind, &op.attrs, op.name, n_in, dtypes, shapes, RUN, &dtype, &shape, st) !=
        TACT_CODE_OK)
        return NULL;
    tact_tensor_t *out = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    if (out->nbytes > 0)
        memset(out->data, 0xA5, out->nbytes);
    tact_cpu_kernel_fn fn = tact__cpu_kernel(kind);
    assert_non_null(fn);
    if (fn(&op, in, out, st) != TACT_CODE_OK) {
        tact_tensor_destroy(&out);
        return NULL;
    }
    return out;
}

/* tk_run that must succeed. */
static tact_tensor_t *tk_ok(tact_op_kind_t kind, const tact_op_attrs_t *attrs, int n_in,
                            const tact_tensor_t *a, const tact_tensor_t *b)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *out = tk_run(kind, attrs, n_in, a, b, &st);
    if (out == NULL)
        fail_msg("%s failed: %s", tact__op_kind_type(kind), st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    return out;
}

static void tk_check_shape(const tact_tensor_t *t, tact_shape_t want)
{
    assert_non_null(t);
    assert_int_equal(t->ndims, want.ndims);
    for (int i = 0; i < want.ndims; i++)
        assert_int_equal(t->dims[i], want.dims[i]);
}

static void tk_shape_eq(tact_shape_t got, tact_shape_t want)
{
    assert_int_equal(got.ndims, want.ndims);
    for (int i = 0; i < want.ndims; i++)
        assert_int_equal(got.dims[i], want.dims[i]);
}

/* cmocka's assert_float_equal compares in float with a relative FLT_EPSILON slack, too loose
 * for exact checks, so values are compared here in double: NaN matches NaN, infinities match
 * exactly, anything else within `tol`. */
#define tk_assert_near(got, want, tol) tk_near((got), (want), (tol), __FILE__, __LINE__)

static void tk_near(double got, double want, double tol, const char *file, int line)
{
    bool ok = isnan(want) ? isnan(got) : isinf(want) ? got == want : fabs(got - want) <= tol;
    if (!ok)
        fail_msg("%s:%d: got %.17g, want %.17g (tolerance %g)", file, line, got, want, tol);
}

static void tk_check_f32(const tact_tensor_t *t, tact_shape_t shape, const float *want, double tol)
{
    tk_check_shape(t, shape);
    assert_int_equal(t->dtype, F32);
    const float *got = t->data;
    for (int64_t i = 0; i < t->nelems; i++)
        tk_assert_near(got[i], want[i], tol);
}

static void tk_check_f64(const tact_tensor_t *t, tact_shape_t shape, const double *want, double tol)
{
    tk_check_shape(t, shape);
    assert_int_equal(t->dtype, F64);
    const double *got = t->data;
    for (int64_t i = 0; i < t->nelems; i++)
        tk_assert_near(got[i], want[i], tol);
}

static void tk_check_i32(const tact_tensor_t *t, tact_shape_t shape, const int32_t *want)
{
    tk_check_shape(t, shape);
    assert_int_equal(t->dtype, I32);
    const int32_t *got = t->data;
    for (int64_t i = 0; i < t->nelems; i++)
        assert_int_equal(got[i], want[i]);
}

static void tk_check_i64(const tact_tensor_t *t, tact_shape_t shape, const int64_t *want)
{
    tk_check_shape(t, shape);
    assert_int_equal(t->dtype, I64);
    const int64_t *got = t->data;
    for (int64_t i = 0; i < t->nelems; i++)
        assert_int_equal(got[i], want[i]);
}

static void tk_check_bool(const tact_tensor_t *t, tact_shape_t shape, const uint8_t *want)
{
    tk_check_shape(t, shape);
    assert_int_equal(t->dtype, BOOL);
    const uint8_t *got = t->data;
    for (int64_t i = 0; i < t->nelems; i++)
        assert_int_equal(got[i], want[i]);
}

/* Element i of t as a double, whatever its dtype. */
static double tk_get(const tact_tensor_t *t, int64_t i)
{
    switch (t->dtype) {
    case F32:
        return ((const float *) t->data)[i];
    case F64:
        return ((const double *) t->data)[i];
    case I32:
        return ((const int32_t *) t->data)[i];
    case I64:
        return (double) ((const int64_t *) t->data)[i];
    default:
        return ((const uint8_t *) t->data)[i];
    }
}

/* The flat offset in t of the output index idx[0..ndims) under numpy broadcasting. */
static int64_t tk_bcast_offset(const tact_tensor_t *t, const int64_t *idx, int ndims)
{
    int64_t off = 0;
    int pad = ndims - t->ndims;
    for (int i = 0; i < t->ndims; i++)
        off = off * t->dims[i] + (t->dims[i] == 1 ? 0 : idx[i + pad]);
    return off;
}

static void tk_unravel(int64_t flat, const tact_tensor_t *t, int64_t *idx)
{
    for (int i = t->ndims - 1; i >= 0; i--) {
        idx[i] = flat % t->dims[i];
        flat /= t->dims[i];
    }
}

/* Infer that must succeed; returns the shape and sets *dtype. */
static tact_shape_t tk_infer_ok(tact_op_kind_t kind, const tact_op_attrs_t *attrs, int n_in,
                                const tact_dtype_t *dtypes, const tact_shape_t *shapes,
                                tact_infer_phase_t phase, tact_dtype_t *dtype)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_attrs_t none = {0};
    tact_dtype_t dt = TACT_DTYPE_COUNT;
    tact_shape_t shape = {.ndims = -7};
    tact_code_t rc = tact__op_infer(kind, attrs ? attrs : &none, "op", n_in, dtypes, shapes, phase,
                                    &dt, &shape, &st);
    if (rc != TACT_CODE_OK)
        fail_msg("infer %s: %s", tact__op_kind_type(kind), st.msg);
    if (dtype != NULL)
        *dtype = dt;
    return shape;
}

/* Infer that must fail with `code` and exactly `msg`. */
static void tk_infer_fails(tact_op_kind_t kind, const tact_op_attrs_t *attrs, const char *name,
                           int n_in, const tact_dtype_t *dtypes, const tact_shape_t *shapes,
                           tact_infer_phase_t phase, tact_code_t code, const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_attrs_t none = {0};
    tact_dtype_t dt = TACT_DTYPE_COUNT;
    tact_shape_t shape = {.ndims = -7};
    tact_code_t rc = tact__op_infer(kind, attrs ? attrs : &none, name, n_in, dtypes, shapes, phase,
                                    &dt, &shape, &st);
    assert_int_equal(rc, code);
    assert_int_equal(st.code, code);
    assert_string_equal(st.msg, msg);
}

/* ------------------------------------------------------------------------------------------ */
/* The op table                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void test_kind_names(void **state)
{
    (void) state;
    assert_string_equal(tact__op_kind_type(TACT_OP_CONST), "Const");
    assert_string_equal(tact__op_kind_type(TACT_OP_MUL), "Mul");
    assert_string_equal(tact__op_kind_default_name(TACT_OP_MUL), "mul");
    assert_string_equal(tact__op_kind_type(TACT_OP_REALDIV), "RealDiv");
    assert_string_equal(tact__op_kind_default_name(TACT_OP_REALDIV), "truediv");
    assert_string_equal(tact__op_kind_type(TACT_OP_DIV), "Div");
    assert_string_equal(tact__op_kind_default_name(TACT_OP_DIV), "div");
    assert_string_equal(tact__op_kind_type(TACT_OP_MATMUL), "MatMul");
    assert_string_equal(tact__op_kind_type(TACT_OP_NOOP), "NoOp");
    for (int k = 0; k < TACT_OP_COUNT; k++) {
        assert_non_null(tact__op_kind_type((tact_op_kind_t) k));
        assert_non_null(tact__op_kind_default_name((tact_op_kind_t) k));
    }
}

static void test_kernel_table(void **state)
{
    (void) state;
    for (int k = 0; k < TACT_OP_COUNT; k++) {
        tact_cpu_kernel_fn fn = tact__cpu_kernel((tact_op_kind_t) k);
        /* Sources and variable ops are the executor's: it binds, reads and assigns them. The
         * op families' kernels are in their own tables (devices/cpu/kernels/family.h). */
        if (tact__cpu_op_kernel((tact_op_kind_t) k) != NULL) {
            assert_null(fn);
            continue;
        }
        if (k == TACT_OP_CONST || k == TACT_OP_PLACEHOLDER || k == TACT_OP_VARIABLE ||
            tact__op_kind_assigns((tact_op_kind_t) k) || k == TACT_OP_QUEUE ||
            tact__op_kind_uses_queue((tact_op_kind_t) k) ||
            tact__op_kind_is_reader((tact_op_kind_t) k) || k == TACT_OP_READER_READ)
            assert_null(fn);
        else
            assert_non_null(fn);
    }
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t op = {.tag = TACT_TAG_OP, .kind = TACT_OP_NOOP, .name = "n"};
    assert_int_equal(tact__cpu_kernel(TACT_OP_NOOP)(&op, NULL, NULL, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
}

/* supports() on an op whose inputs come from a source of `dtype`. */
static bool tk_supports(tact_op_kind_t kind, tact_dtype_t dtype, int n_in, tact_dtype_t cast_to)
{
    tact_dtype_t src_dtype[1] = {dtype};  /* an op's outputs are arrays of its own */
    tact_shape_t src_shape[1] = {{.ndims = -1}};
    tact_op_t src = {.tag = TACT_TAG_OP, .kind = TACT_OP_PLACEHOLDER, .n_outputs = 1,
                     .out_dtype = src_dtype, .out_shape = src_shape};
    tact_output_t ins[2] = {{&src, 0}, {&src, 0}};
    tact_op_t op = {.tag = TACT_TAG_OP,
                    .kind = kind,
                    .name = "op",
                    .n_inputs = n_in,
                    .inputs = n_in > 0 ? ins : NULL,
                    .n_outputs = 1};
    op.attrs.dtype = cast_to;
    return tact__cpu_kernel_supports(&op);
}

/* The flat loops the node loop calls for an element-wise Add, Sub, Mul or RealDiv of one
 * shape (cpu.c): they exist where the kernel supports the dtype, compute what the kernel does,
 * and no op family claims those kinds (the node loop tries the loops before the families). */
static void test_binary_flat(void **state)
{
    (void) state;
    const tact_op_kind_t kinds[] = {TACT_OP_ADD, TACT_OP_SUB, TACT_OP_MUL, TACT_OP_REALDIV};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        assert_null(tact__cpu_op_kernel(kinds[k]));
        for (int d = 0; d < TACT_DTYPE_COUNT; d++) {
            bool have = tact__cpu_binary_flat(kinds[k], (tact_dtype_t) d) != NULL;
            assert_int_equal(have, tk_supports(kinds[k], (tact_dtype_t) d, 2, F32));
        }
    }
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {2, 4, 8, 16, 32}, o[5];
    tact__cpu_binary_flat(TACT_OP_MUL, F32)(a, b, o, 5);
    assert_memory_equal(o, ((float[]){2, 8, 24, 64, 160}), sizeof o);
    tact__cpu_binary_flat(TACT_OP_REALDIV, F32)(a, b, o, 5);
    assert_memory_equal(o, ((float[]){0.5f, 0.5f, 0.375f, 0.25f, 0.15625f}), sizeof o);
    int32_t x[3] = {INT32_MAX, -7, 0}, y[3] = {1, 3, -5}, z[3];
    tact__cpu_binary_flat(TACT_OP_ADD, TACT_DTYPE_I32)(x, y, z, 3); /* wraps, as the kernel */
    assert_memory_equal(z, ((int32_t[]){INT32_MIN, -4, -5}), sizeof z);
    tact__cpu_binary_flat(TACT_OP_SUB, TACT_DTYPE_I32)(x, y, z, 3);
    assert_memory_equal(z, ((int32_t[]){INT32_MAX - 1, -10, 5}), sizeof z);
    assert_null(tact__cpu_binary_flat(TACT_OP_REALDIV, TACT_DTYPE_I32));
    assert_null(tact__cpu_binary_flat(TACT_OP_ADD, TACT_DTYPE_STRING));
}

static void test_kernel_supports(void **state)
{
    (void) state;
    assert_true(tk_supports(TACT_OP_CONST, F32, 0, F32));
    assert_true(tk_supports(TACT_OP_PLACEHOLDER, F32, 0, F32));
    assert_true(tk_supports(TACT_OP_NOOP, F32, 0, F32));
    const tact_dtype_t numeric[] = {F32, F64, I32, I64};
    for (int i = 0; i < 4; i++) {
        tact_dtype_t dt = numeric[i];
        bool is_float = dt == F32 || dt == F64;
        assert_true(tk_supports(TACT_OP_ADD, dt, 2, dt));
        assert_true(tk_supports(TACT_OP_SUB, dt, 2, dt));
        assert_true(tk_supports(TACT_OP_MUL, dt, 2, dt));
        assert_true(tk_supports(TACT_OP_REALDIV, dt, 2, dt) == is_float);
        assert_true(tk_supports(TACT_OP_DIV, dt, 2, dt) == !is_float);
        assert_true(tk_supports(TACT_OP_NEG, dt, 1, dt));
        assert_true(tk_supports(TACT_OP_RELU, dt, 1, dt));
        assert_true(tk_supports(TACT_OP_SIGMOID, dt, 1, dt) == is_float);
        assert_true(tk_supports(TACT_OP_TANH, dt, 1, dt) == is_float);
        assert_true(tk_supports(TACT_OP_SOFTMAX, dt, 1, dt) == is_float);
        assert_true(tk_supports(TACT_OP_MATMUL, dt, 2, dt));
        assert_true(tk_supports(TACT_OP_SUM, dt, 1, dt));
        assert_true(tk_supports(TACT_OP_MEAN, dt, 1, dt));
    }
    assert_false(tk_supports(TACT_OP_ADD, BOOL, 2, BOOL));
    assert_false(tk_supports(TACT_OP_MATMUL, BOOL, 2, BOOL));
    assert_false(tk_supports(TACT_OP_SUM, BOOL, 1, BOOL));
    assert_true(tk_supports(TACT_OP_IDENTITY, BOOL, 1, BOOL));
    assert_true(tk_supports(TACT_OP_RESHAPE, I64, 1, I64));
    assert_true(tk_supports(TACT_OP_TRANSPOSE, BOOL, 1, BOOL));
    /* Strings move element by element: Identity, Reshape, Transpose, Cast to string. */
    assert_true(tk_supports(TACT_OP_IDENTITY, STR, 1, STR));
    assert_true(tk_supports(TACT_OP_RESHAPE, STR, 1, STR));
    assert_true(tk_supports(TACT_OP_TRANSPOSE, STR, 1, STR));
    assert_true(tk_supports(TACT_OP_CAST, STR, 1, STR));
    assert_false(tk_supports(TACT_OP_ADD, STR, 2, STR));
    assert_false(tk_supports(TACT_OP_NEG, STR, 1, STR));
    assert_false(tk_supports(TACT_OP_SUM, STR, 1, STR));
    const tact_dtype_t castable[] = {F32, F64, I32, I64, BOOL};
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++)
            assert_true(tk_supports(TACT_OP_CAST, castable[i], 1, castable[j]));
        assert_false(tk_supports(TACT_OP_CAST, castable[i], 1, STR));
        assert_false(tk_supports(TACT_OP_CAST, STR, 1, castable[i]));
    }
}

/* supports() on an op without inputs (Fill, the random ops): its output dtype decides. */
static bool tk_supports_out(tact_op_kind_t kind, tact_dtype_t dtype)
{
    tact_dtype_t out_dtype[1] = {dtype};
    tact_shape_t out_shape[1] = {{.ndims = -1}};
    tact_op_t op = {.tag = TACT_TAG_OP, .kind = kind, .name = "op", .n_outputs = 1,
                    .out_dtype = out_dtype, .out_shape = out_shape};
    return tact__cpu_kernel_supports(&op);
}

static void test_fill_and_random_kernels(void **state)
{
    (void) state;
    const tact_dtype_t all[] = {F32, F64, I32, I64, BOOL};
    for (int i = 0; i < 5; i++) {
        assert_true(tk_supports_out(TACT_OP_FILL, all[i]));
        bool is_float = all[i] == F32 || all[i] == F64;
        assert_true(tk_supports_out(TACT_OP_RANDOM_UNIFORM, all[i]) == is_float);
        assert_true(tk_supports_out(TACT_OP_RANDOM_NORMAL, all[i]) == is_float);
        assert_true(tk_supports_out(TACT_OP_TRUNCATED_NORMAL, all[i]) == is_float);
    }
    assert_false(tk_supports_out(TACT_OP_FILL, STR));
    assert_int_equal(tact__op_num_outputs(TACT_OP_FILL, &(tact_op_attrs_t){0}), 1);
    assert_string_equal(tact__op_kind_type(TACT_OP_RANDOM_NORMAL), "RandomStandardNormal");
    assert_string_equal(tact__op_kind_default_name(TACT_OP_TRUNCATED_NORMAL), "truncated_normal");

    /* Fill: the scalar everywhere. */
    tact_op_attrs_t fill = {.value = tk_new(I64, SCALAR, VI64(-3)), .shape = SHP(2, 2, 3)};
    tact_tensor_t *r = tk_ok(TACT_OP_FILL, &fill, 0, NULL, NULL);
    tk_check_i64(r, SHP(2, 2, 3), VI64(-3, -3, -3, -3, -3, -3));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&fill.value);
    fill.value = tk_new(BOOL, SCALAR, VU8(1));
    fill.shape = SHP(1, 3);
    r = tk_ok(TACT_OP_FILL, &fill, 0, NULL, NULL);
    assert_memory_equal(r->data, VU8(1, 1, 1), 3);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&fill.value);

    /* Random: a pure function of (seed, seed2, rng_skip); the scale applies in the kernel. */
    tact_op_attrs_t u = {.dtype = F32, .shape = SHP(1, 9), .seed = 1, .seed2 = 2,
                         .rand_a = 4, .rand_b = 5};
    tact_tensor_t *a = tk_ok(TACT_OP_RANDOM_UNIFORM, &u, 0, NULL, NULL);
    tact_tensor_t *b = tk_ok(TACT_OP_RANDOM_UNIFORM, &u, 0, NULL, NULL);
    assert_memory_equal(a->data, b->data, a->nbytes);
    for (int i = 0; i < 9; i++)
        assert_true(((float *) a->data)[i] >= 4 && ((float *) a->data)[i] < 5);
    tact_tensor_destroy(&b);
    u.rng_skip = 1;  /* one block on: the first four values are the old 4..7 */
    b = tk_ok(TACT_OP_RANDOM_UNIFORM, &u, 0, NULL, NULL);
    assert_memory_equal(b->data, (float *) a->data + 4, 4 * sizeof(float));
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    tact_op_attrs_t t = {.dtype = F64, .shape = SHP(1, 5), .seed = 3, .rand_a = 0, .rand_b = 1};
    r = tk_ok(TACT_OP_TRUNCATED_NORMAL, &t, 0, NULL, NULL);
    for (int i = 0; i < 5; i++)
        assert_true(fabs(((double *) r->data)[i]) < 2);
    tact_tensor_destroy(&r);

    /* Inference refuses other dtypes and unknown or negative sizes, in both phases. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_dtype_t dt;
    tact_shape_t sh;
    tact_op_attrs_t bad = {.dtype = I32, .shape = SHP(1, 2)};
    assert_int_equal(tact__op_infer(TACT_OP_RANDOM_UNIFORM, &bad, "r", 0, NULL, NULL, BUILD, &dt,
                                    &sh, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value for attr 'dtype' of int32 is not in the list of allowed "
                                "values: float, double for 'r' (op: 'RandomUniform')");
    st = (tact_status_t) TACT_STATUS_INIT;
    bad = (tact_op_attrs_t){.dtype = F32, .shape = SHP(2, 3, -1)};
    assert_int_equal(tact__op_infer(TACT_OP_RANDOM_NORMAL, &bad, "r", 0, NULL, NULL, RUN, &dt, &sh,
                                    &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Dimension -1 must be >= 0 for 'r' (op: 'RandomStandardNormal')");
    st = (tact_status_t) TACT_STATUS_INIT;
    bad = (tact_op_attrs_t){.dtype = F32, .shape = UNKNOWN};
    assert_int_equal(tact__op_infer(TACT_OP_TRUNCATED_NORMAL, &bad, "r", 0, NULL, NULL, BUILD, &dt,
                                    &sh, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Invalid rank -1 for 'r' (op: 'TruncatedNormal'); at most 8 "
                                "dimensions");
    st = (tact_status_t) TACT_STATUS_INIT;
    fill = (tact_op_attrs_t){.value = tk_new(F32, SHP(1, 2), VF32(1, 2)), .shape = SHP(1, 2)};
    assert_int_equal(tact__op_infer(TACT_OP_FILL, &fill, "f", 0, NULL, NULL, BUILD, &dt, &sh, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "value must be a scalar, got shape [2] for 'f' (op: 'Fill')");
    tact_tensor_destroy(&fill.value);
    st = (tact_status_t) TACT_STATUS_INIT;
    fill = (tact_op_attrs_t){.value = tk_new(F32, SCALAR, VF32(1)), .shape = SHP(1, -2)};
    assert_int_equal(tact__op_infer(TACT_OP_FILL, &fill, "f", 0, NULL, NULL, BUILD, &dt, &sh, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Fill dimensions must be >= 0 for 'f' (op: 'Fill')");
    tact_tensor_destroy(&fill.value);
}

/* ------------------------------------------------------------------------------------------ */
/* Binary ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_binary_same_shape_f32(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6));
    tact_tensor_t *b = tk_new(F32, SHP(2, 2, 3), VF32(0.5f, -1, 2, 8, 10, -3));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 2, 3), VF32(1.5f, 1, 5, 12, 15, 3), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 2, 3), VF32(0.5f, 3, 1, -4, -5, 9), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_MUL, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 2, 3), VF32(0.5f, -2, 6, 32, 50, -18), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_REALDIV, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 2, 3), VF32(2, -2, 1.5f, 0.5f, 0.5f, -2), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_binary_same_shape_f64(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(F64, SHP(1, 4), VF64(1, 2, 3, 1e300));
    tact_tensor_t *b = tk_new(F64, SHP(1, 4), VF64(4, -8, 0.5, 1e10));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, a, b);
    tk_check_f64(r, SHP(1, 4), VF64(5, -6, 3.5, 1e300), 1e285);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, a, b);
    tk_check_f64(r, SHP(1, 4), VF64(-3, 10, 2.5, 1e300), 1e285);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_MUL, NULL, 2, a, b);
    tk_check_f64(r, SHP(1, 4), VF64(4, -16, 1.5, INFINITY), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_REALDIV, NULL, 2, a, b);
    tk_check_f64(r, SHP(1, 4), VF64(0.25, -0.25, 6, 1e290), 1e276);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_binary_same_shape_ints(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(I32, SHP(1, 4), VI32(1, -2, INT32_MAX, 7));
    tact_tensor_t *b = tk_new(I32, SHP(1, 4), VI32(4, 8, 1, -3));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, a, b);
    tk_check_i32(r, SHP(1, 4), VI32(5, 6, INT32_MIN, 4)); /* wraps */
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, a, b);
    tk_check_i32(r, SHP(1, 4), VI32(-3, -10, INT32_MAX - 1, 10));
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_MUL, NULL, 2, a, b);
    tk_check_i32(r, SHP(1, 4), VI32(4, -16, INT32_MAX, -21));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);

    a = tk_new(I64, SHP(1, 3), VI64(INT64_MAX, -5, 1LL << 40));
    b = tk_new(I64, SHP(1, 3), VI64(1, 3, 1LL << 20));
    r = tk_ok(TACT_OP_ADD, NULL, 2, a, b);
    tk_check_i64(r, SHP(1, 3), VI64(INT64_MIN, -2, (1LL << 40) + (1LL << 20)));
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, a, b);
    tk_check_i64(r, SHP(1, 3), VI64(INT64_MAX - 1, -8, (1LL << 40) - (1LL << 20)));
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_MUL, NULL, 2, a, b);
    tk_check_i64(r, SHP(1, 3), VI64(INT64_MAX, -15, 1LL << 60));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_realdiv_ieee(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(F32, SHP(1, 4), VF32(1, -1, 0, 3));
    tact_tensor_t *b = tk_new(F32, SHP(1, 4), VF32(0, 0, 0, 4));
    tact_tensor_t *r = tk_ok(TACT_OP_REALDIV, NULL, 2, a, b);
    tk_check_f32(r, SHP(1, 4), VF32(INFINITY, -INFINITY, NAN, 0.75f), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_div_ints_truncate(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(I32, SHP(1, 6), VI32(7, -7, 7, -7, INT32_MIN, 0));
    tact_tensor_t *b = tk_new(I32, SHP(1, 6), VI32(2, 2, -2, -2, -1, 5));
    tact_tensor_t *r = tk_ok(TACT_OP_DIV, NULL, 2, a, b);
    tk_check_i32(r, SHP(1, 6), VI32(3, -3, -3, 3, INT32_MIN, 0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);

    a = tk_new(I64, SHP(2, 2, 2), VI64(100, -100, INT64_MIN, 9));
    b = tk_new(I64, SHP(1, 2), VI64(-1, 7));
    r = tk_ok(TACT_OP_DIV, NULL, 2, a, b);
    tk_check_i64(r, SHP(2, 2, 2), VI64(-100, -14, INT64_MIN, 1));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_div_by_zero(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = {I32, I64};
    for (int i = 0; i < 2; i++) {
        tact_tensor_t *a = tk_iota(dts[i], SHP(2, 2, 3));
        tact_tensor_t *b = tk_iota(dts[i], SHP(1, 3)); /* [0, 1, 2]: one zero */
        tact_status_t st = TACT_STATUS_INIT;
        assert_null(tk_run(TACT_OP_DIV, NULL, 2, a, b, &st));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(st.msg, "Integer division by zero");
        tact_tensor_destroy(&b);

        /* A scalar zero divisor, and a zero numerator (still an error). */
        b = tk_iota(dts[i], SCALAR);
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_null(tk_run(TACT_OP_DIV, NULL, 2, b, b, &st));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(st.msg, "Integer division by zero");
        tact_tensor_destroy(&a);
        tact_tensor_destroy(&b);
    }
}

static void test_broadcast_row(void **state)
{
    (void) state;
    /* [2,3] + [3]: the bias-add case, and the same with the row on the left. */
    tact_tensor_t *m = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6));
    tact_tensor_t *v = tk_new(F32, SHP(1, 3), VF32(10, 20, 30));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, m, v);
    tk_check_f32(r, SHP(2, 2, 3), VF32(11, 22, 33, 14, 25, 36), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, v, m);
    tk_check_f32(r, SHP(2, 2, 3), VF32(9, 18, 27, 6, 15, 24), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&m);
    tact_tensor_destroy(&v);
}

static void test_broadcast_outer(void **state)
{
    (void) state;
    /* [2,1] + [1,3] -> [2,3] */
    tact_tensor_t *c = tk_new(I32, SHP(2, 2, 1), VI32(100, 200));
    tact_tensor_t *r0 = tk_new(I32, SHP(2, 1, 3), VI32(1, 2, 3));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, c, r0);
    tk_check_i32(r, SHP(2, 2, 3), VI32(101, 102, 103, 201, 202, 203));
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, r0, c);
    tk_check_i32(r, SHP(2, 2, 3), VI32(-99, -98, -97, -199, -198, -197));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&c);
    tact_tensor_destroy(&r0);
}

static void test_broadcast_scalar(void **state)
{
    (void) state;
    tact_tensor_t *s = tk_new(F64, SCALAR, VF64(10));
    tact_tensor_t *m = tk_new(F64, SHP(2, 2, 2), VF64(1, 2, 3, 4));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, s, m);
    tk_check_f64(r, SHP(2, 2, 2), VF64(11, 12, 13, 14), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, s, m);
    tk_check_f64(r, SHP(2, 2, 2), VF64(9, 8, 7, 6), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_SUB, NULL, 2, m, s);
    tk_check_f64(r, SHP(2, 2, 2), VF64(-9, -8, -7, -6), 0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_REALDIV, NULL, 2, m, s);
    tk_check_f64(r, SHP(2, 2, 2), VF64(0.1, 0.2, 0.3, 0.4), 1e-15);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_MUL, NULL, 2, s, s);
    tk_check_f64(r, SCALAR, VF64(100), 0);
    tact_tensor_destroy(&r);
    /* A one-element tensor of higher rank broadcasts like a scalar. */
    tact_tensor_t *one = tk_new(F64, SHP(3, 1, 1, 1), VF64(2));
    r = tk_ok(TACT_OP_MUL, NULL, 2, m, one);
    tk_check_f64(r, SHP(3, 1, 2, 2), VF64(2, 4, 6, 8), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&one);
    tact_tensor_destroy(&s);
    tact_tensor_destroy(&m);
}

static void test_broadcast_3d(void **state)
{
    (void) state;
    /* [4,1,3] * [2,1] -> [4,2,3]: out[i][j][k] = a[i][0][k] * b[j][0]. */
    tact_tensor_t *a = tk_iota(F32, SHP(3, 4, 1, 3));
    tact_tensor_t *b = tk_new(F32, SHP(2, 2, 1), VF32(2, -1));
    tact_tensor_t *r = tk_ok(TACT_OP_MUL, NULL, 2, a, b);
    float want[24];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 3; k++)
                want[(i * 2 + j) * 3 + k] = (float) (i * 3 + k) * (j == 0 ? 2.0f : -1.0f);
    tk_check_f32(r, SHP(3, 4, 2, 3), want, 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

/* Every broadcasting pattern against an index-by-index reference, for each dtype and op. */
static void test_broadcast_reference(void **state)
{
    (void) state;
    static const struct {
        tact_shape_t a;
        tact_shape_t b;
    } cases[] = {
        {SHP(4, 2, 1, 3, 1), SHP(4, 1, 4, 1, 5)},
        {SHP(2, 3, 1), SHP(1, 1)},
        {SHP(3, 1, 1, 4), SHP(3, 2, 1, 1)},
        {SHP(3, 5, 4, 3), SHP(2, 4, 1)},
        {SHP(3, 2, 3, 4), SHP(3, 2, 1, 4)},
        {SHP(3, 2, 3, 4), SHP(3, 1, 3, 1)},
        {SHP(1, 7), SHP(3, 2, 3, 7)},
        {SHP(4, 2, 1, 2, 1), SHP(4, 1, 3, 1, 3)},
        {SHP(2, 33, 17), SHP(1, 17)},
        {SHP(2, 33, 1), SHP(1, 17)},
    };
    const tact_op_kind_t kinds[] = {TACT_OP_ADD, TACT_OP_SUB, TACT_OP_MUL};
    const tact_dtype_t dts[] = {F32, F64, I32, I64};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int d = 0; d < 4; d++) {
            tact_tensor_t *a = tk_iota(dts[d], cases[c].a);
            tact_tensor_t *b = tk_iota(dts[d], cases[c].b);
            for (int k = 0; k < 3; k++) {
                tact_tensor_t *r = tk_ok(kinds[k], NULL, 2, a, b);
                int64_t idx[TACT_MAX_DIMS];
                for (int64_t i = 0; i < r->nelems; i++) {
                    tk_unravel(i, r, idx);
                    double x = tk_get(a, tk_bcast_offset(a, idx, r->ndims));
                    double y = tk_get(b, tk_bcast_offset(b, idx, r->ndims));
                    double want = kinds[k] == TACT_OP_ADD   ? x + y
                                  : kinds[k] == TACT_OP_SUB ? x - y
                                                            : x * y;
                    tk_assert_near(tk_get(r, i), want, 0);
                }
                tact_tensor_destroy(&r);
            }
            tact_tensor_destroy(&a);
            tact_tensor_destroy(&b);
        }
    }
}

static void test_binary_empty(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_iota(F32, SHP(2, 0, 3));
    tact_tensor_t *b = tk_iota(F32, SHP(1, 3));
    tact_tensor_t *r = tk_ok(TACT_OP_ADD, NULL, 2, a, b);
    tk_check_shape(r, SHP(2, 0, 3));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);

    /* No divisor is used, so no division by zero. */
    a = tk_iota(I32, SHP(1, 0));
    b = tk_iota(I32, SCALAR);
    r = tk_ok(TACT_OP_DIV, NULL, 2, a, b);
    tk_check_shape(r, SHP(1, 0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops and softmax                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_neg(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F32, SHP(1, 3), VF32(1.5f, -2, 0));
    tact_tensor_t *r = tk_ok(TACT_OP_NEG, NULL, 1, x, NULL);
    tk_check_f32(r, SHP(1, 3), VF32(-1.5f, 2, 0), 0);
    assert_true(signbit(((float *) r->data)[2]));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(1, 2), VF64(3.25, -1e300));
    r = tk_ok(TACT_OP_NEG, NULL, 1, x, NULL);
    tk_check_f64(r, SHP(1, 2), VF64(-3.25, 1e300), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I32, SHP(1, 3), VI32(5, -7, INT32_MIN));
    r = tk_ok(TACT_OP_NEG, NULL, 1, x, NULL);
    tk_check_i32(r, SHP(1, 3), VI32(-5, 7, INT32_MIN));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I64, SHP(1, 3), VI64(5, -7, INT64_MIN));
    r = tk_ok(TACT_OP_NEG, NULL, 1, x, NULL);
    tk_check_i64(r, SHP(1, 3), VI64(-5, 7, INT64_MIN));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

static void test_relu(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F32, SHP(2, 2, 3), VF32(-1, 0, 2.5f, NAN, -INFINITY, INFINITY));
    tact_tensor_t *r = tk_ok(TACT_OP_RELU, NULL, 1, x, NULL);
    tk_check_f32(r, SHP(2, 2, 3), VF32(0, 0, 2.5f, NAN, 0, INFINITY), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(1, 3), VF64(-1e-300, 1e-300, 7));
    r = tk_ok(TACT_OP_RELU, NULL, 1, x, NULL);
    tk_check_f64(r, SHP(1, 3), VF64(0, 1e-300, 7), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I32, SHP(1, 3), VI32(-3, 0, 4));
    r = tk_ok(TACT_OP_RELU, NULL, 1, x, NULL);
    tk_check_i32(r, SHP(1, 3), VI32(0, 0, 4));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I64, SHP(1, 3), VI64(INT64_MIN, 0, INT64_MAX));
    r = tk_ok(TACT_OP_RELU, NULL, 1, x, NULL);
    tk_check_i64(r, SHP(1, 3), VI64(0, 0, INT64_MAX));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

static void test_sigmoid_tanh(void **state)
{
    (void) state;
    const double xs[] = {-1000, -100, -20, -2, -0.5, 0, 0.5, 2, 20, 100, 1000};
    enum { N = sizeof xs / sizeof xs[0] };
    float xf[N], sig_f[N], tanh_f[N];
    double sig_d[N], tanh_d[N];
    for (int i = 0; i < N; i++) {
        xf[i] = (float) xs[i];
        sig_d[i] = xs[i] >= 0 ? 1.0 / (1.0 + exp(-xs[i])) : exp(xs[i]) / (1.0 + exp(xs[i]));
        sig_f[i] = (float) sig_d[i];
        tanh_d[i] = tanh(xs[i]);
        tanh_f[i] = (float) tanh_d[i];
    }
    tact_tensor_t *x = tk_new(F32, SHP(1, N), xf);
    tact_tensor_t *r = tk_ok(TACT_OP_SIGMOID, NULL, 1, x, NULL);
    tk_check_f32(r, SHP(1, N), sig_f, 1e-7);
    assert_true(((float *) r->data)[0] == 0.0f);
    assert_true(((float *) r->data)[N - 1] == 1.0f);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_TANH, NULL, 1, x, NULL);
    tk_check_f32(r, SHP(1, N), tanh_f, 1e-7);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(1, N), xs);
    r = tk_ok(TACT_OP_SIGMOID, NULL, 1, x, NULL);
    tk_check_f64(r, SHP(1, N), sig_d, 1e-16);
    /* Tiny but not flushed to zero: exp(-100) survives in double. */
    assert_true(((double *) r->data)[1] > 0.0);
    tact_tensor_destroy(&r);
    r = tk_ok(TACT_OP_TANH, NULL, 1, x, NULL);
    tk_check_f64(r, SHP(1, N), tanh_d, 1e-16);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

static void test_softmax(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, -1, -1, -1));
    tact_tensor_t *r = tk_ok(TACT_OP_SOFTMAX, NULL, 1, x, NULL);
    double e1 = exp(-2.0), e2 = exp(-1.0);
    double z = e1 + e2 + 1.0;
    tk_check_f32(
        r, SHP(2, 2, 3),
        VF32((float) (e1 / z), (float) (e2 / z), (float) (1 / z), 1 / 3.0f, 1 / 3.0f, 1 / 3.0f),
        1e-7);
    for (int row = 0; row < 2; row++) {
        const float *p = (const float *) r->data + row * 3;
        tk_assert_near(p[0] + p[1] + p[2], 1.0, 1e-6);
    }
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    /* Large values: exp(1000) would overflow without the max subtracted. */
    x = tk_new(F32, SHP(1, 3), VF32(1000, 1001, 1002));
    r = tk_ok(TACT_OP_SOFTMAX, NULL, 1, x, NULL);
    tk_check_f32(r, SHP(1, 3), VF32((float) (e1 / z), (float) (e2 / z), (float) (1 / z)), 1e-7);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(3, 2, 1, 2), VF64(-1e308, 1e308, 0, 0));
    r = tk_ok(TACT_OP_SOFTMAX, NULL, 1, x, NULL);
    tk_check_f64(r, SHP(3, 2, 1, 2), VF64(0, 1, 0.5, 0.5), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    /* Many rows of a long axis: every row sums to 1. */
    x = tk_iota(F64, SHP(2, 5, 37));
    r = tk_ok(TACT_OP_SOFTMAX, NULL, 1, x, NULL);
    for (int row = 0; row < 5; row++) {
        double s = 0;
        for (int j = 0; j < 37; j++)
            s += ((const double *) r->data)[row * 37 + j];
        tk_assert_near(s, 1.0, 1e-14);
    }
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_iota(F32, SHP(2, 0, 4));
    r = tk_ok(TACT_OP_SOFTMAX, NULL, 1, x, NULL);
    tk_check_shape(r, SHP(2, 0, 4));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

/* ------------------------------------------------------------------------------------------ */
/* Identity, Reshape, Transpose                                                               */
/* ------------------------------------------------------------------------------------------ */

static void test_identity_and_reshape(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = {F32, F64, I32, I64, BOOL};
    for (int d = 0; d < 5; d++) {
        tact_tensor_t *x = tk_iota(dts[d], SHP(2, 2, 6));
        tact_tensor_t *r = tk_ok(TACT_OP_IDENTITY, NULL, 1, x, NULL);
        tk_check_shape(r, SHP(2, 2, 6));
        assert_int_equal(r->dtype, dts[d]);
        assert_memory_equal(r->data, x->data, x->nbytes);
        tact_tensor_destroy(&r);

        tact_op_attrs_t at = {.shape = SHP(3, 3, -1, 2)};
        r = tk_ok(TACT_OP_RESHAPE, &at, 1, x, NULL);
        tk_check_shape(r, SHP(3, 3, 2, 2));
        assert_memory_equal(r->data, x->data, x->nbytes);
        tact_tensor_destroy(&r);

        at.shape = SCALAR;
        tact_tensor_t *one = tk_iota(dts[d], SHP(2, 1, 1));
        r = tk_ok(TACT_OP_RESHAPE, &at, 1, one, NULL);
        tk_check_shape(r, SCALAR);
        assert_memory_equal(r->data, one->data, one->nbytes);
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&one);
        tact_tensor_destroy(&x);
    }
    tact_tensor_t *e = tk_iota(F32, SHP(2, 0, 5));
    tact_op_attrs_t at = {.shape = SHP(3, 5, 0, 7)};
    tact_tensor_t *r = tk_ok(TACT_OP_RESHAPE, &at, 1, e, NULL);
    tk_check_shape(r, SHP(3, 5, 0, 7));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&e);
}

/* Transpose x by perm (n_perm -1: reverse) and compare with an index-by-index reference. */
static void tk_check_transpose(tact_dtype_t dtype, tact_shape_t shape, int n_perm, const int *perm)
{
    tact_tensor_t *x = tk_iota(dtype, shape);
    tact_op_attrs_t at = {.n_perm = n_perm};
    int p[TACT_MAX_DIMS];
    for (int i = 0; i < shape.ndims; i++) {
        p[i] = n_perm < 0 ? shape.ndims - 1 - i : perm[i];
        at.perm[i] = p[i];
    }
    tact_tensor_t *r = tk_ok(TACT_OP_TRANSPOSE, &at, 1, x, NULL);
    assert_int_equal(r->ndims, shape.ndims);
    for (int i = 0; i < shape.ndims; i++)
        assert_int_equal(r->dims[i], shape.dims[p[i]]);
    int64_t oidx[TACT_MAX_DIMS];
    int64_t iidx[TACT_MAX_DIMS];
    for (int64_t i = 0; i < r->nelems; i++) {
        tk_unravel(i, r, oidx);
        for (int k = 0; k < shape.ndims; k++)
            iidx[p[k]] = oidx[k];
        int64_t off = 0;
        for (int k = 0; k < shape.ndims; k++)
            off = off * shape.dims[k] + iidx[k];
        tk_assert_near(tk_get(r, i), tk_get(x, off), 0);
    }
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

static void test_transpose(void **state)
{
    (void) state;
    /* The 2-D case by value. */
    tact_tensor_t *x = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6));
    tact_op_attrs_t at = {.n_perm = -1};
    tact_tensor_t *r = tk_ok(TACT_OP_TRANSPOSE, &at, 1, x, NULL);
    tk_check_f32(r, SHP(2, 3, 2), VF32(1, 4, 2, 5, 3, 6), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    const tact_dtype_t dts[] = {F32, F64, I32, I64, BOOL};
    for (int d = 0; d < 5; d++) {
        tk_check_transpose(dts[d], SHP(2, 67, 45), -1, NULL); /* several 32x32 tiles */
        tk_check_transpose(dts[d], SHP(3, 2, 3, 4), -1, NULL);
        tk_check_transpose(dts[d], SHP(3, 2, 3, 4), 3, (const int[]){0, 2, 1});
        tk_check_transpose(dts[d], SHP(3, 2, 3, 4), 3, (const int[]){1, 0, 2});
        tk_check_transpose(dts[d], SHP(3, 2, 3, 4), 3, (const int[]){2, 0, 1});
        tk_check_transpose(dts[d], SHP(3, 2, 3, 4), 3, (const int[]){0, 1, 2});
    }
    tk_check_transpose(I32, SHP(4, 2, 3, 4, 5), 4, (const int[]){3, 1, 0, 2});
    tk_check_transpose(I32, SHP(4, 2, 3, 4, 5), 4, (const int[]){2, 3, 0, 1});
    tk_check_transpose(I64, SHP(5, 2, 1, 3, 1, 4), 5, (const int[]){4, 3, 2, 1, 0});
    tk_check_transpose(I64, SHP(5, 2, 1, 3, 1, 4), 5, (const int[]){1, 0, 3, 2, 4});
    tk_check_transpose(F32, SHP(3, 1, 5, 1), -1, NULL);
    tk_check_transpose(F32, SHP(1, 6), -1, NULL);
    tk_check_transpose(F32, SCALAR, -1, NULL);
    tk_check_transpose(F64, SHP(3, 2, 0, 3), -1, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Cast                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static tact_tensor_t *tk_cast(const tact_tensor_t *x, tact_dtype_t to)
{
    tact_op_attrs_t at = {.dtype = to};
    return tk_ok(TACT_OP_CAST, &at, 1, x, NULL);
}

static void test_cast_every_pair(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = {F32, F64, I32, I64, BOOL};
    for (int i = 0; i < 5; i++) {
        tact_tensor_t *x = tk_iota(dts[i], SHP(1, 5)); /* 0 1 2 3 4, or 0 1 0 1 0 */
        for (int j = 0; j < 5; j++) {
            tact_tensor_t *r = tk_cast(x, dts[j]);
            tk_check_shape(r, SHP(1, 5));
            assert_int_equal(r->dtype, dts[j]);
            for (int64_t k = 0; k < 5; k++) {
                double want = tk_get(x, k);
                if (dts[j] == BOOL)
                    want = want != 0;
                tk_assert_near(tk_get(r, k), want, 0);
            }
            tact_tensor_destroy(&r);
        }
        tact_tensor_destroy(&x);
    }
}

static void test_cast_values(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F32, SHP(1, 7), VF32(2.7f, -2.7f, -0.5f, 3e9f, NAN, -3e9f, 0));
    tact_tensor_t *r = tk_cast(x, I32);
    tk_check_i32(r, SHP(1, 7), VI32(2, -2, 0, INT32_MIN, INT32_MIN, INT32_MIN, 0));
    tact_tensor_destroy(&r);
    r = tk_cast(x, I64);
    tk_check_i64(r, SHP(1, 7), VI64(2, -2, 0, 3000000000LL, INT64_MIN, -3000000000LL, 0));
    tact_tensor_destroy(&r);
    r = tk_cast(x, BOOL);
    tk_check_bool(r, SHP(1, 7), VU8(1, 1, 1, 1, 1, 1, 0));
    tact_tensor_destroy(&r);
    r = tk_cast(x, F64);
    tk_check_f64(r, SHP(1, 7), VF64(2.7f, -2.7f, -0.5, 3e9, NAN, -3e9, 0), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(1, 5), VF64(1e300, -0.0, 9.2e18, 1e19, -9.3e18));
    r = tk_cast(x, F32);
    tk_check_f32(r, SHP(1, 5), VF32(INFINITY, 0, 9.2e18f, 1e19f, -9.3e18f), 0);
    tact_tensor_destroy(&r);
    r = tk_cast(x, I64);
    tk_check_i64(r, SHP(1, 5), VI64(INT64_MIN, 0, 9200000000000000000LL, INT64_MIN, INT64_MIN));
    tact_tensor_destroy(&r);
    r = tk_cast(x, BOOL);
    tk_check_bool(r, SHP(1, 5), VU8(1, 0, 1, 1, 1));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I64, SHP(1, 4), VI64(4294967297LL, -1, 2147483648LL, (1LL << 53) + 1));
    r = tk_cast(x, I32);
    tk_check_i32(r, SHP(1, 4), VI32(1, -1, INT32_MIN, 1));
    tact_tensor_destroy(&r);
    r = tk_cast(x, F64);
    tk_check_f64(r, SHP(1, 4), VF64(4294967297.0, -1, 2147483648.0, 9007199254740992.0), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I32, SHP(1, 3), VI32(16777217, -5, 0));
    r = tk_cast(x, F32);
    tk_check_f32(r, SHP(1, 3), VF32(16777216.0f, -5, 0), 0);
    tact_tensor_destroy(&r);
    r = tk_cast(x, I64);
    tk_check_i64(r, SHP(1, 3), VI64(16777217, -5, 0));
    tact_tensor_destroy(&r);
    r = tk_cast(x, BOOL);
    tk_check_bool(r, SHP(1, 3), VU8(1, 1, 0));
    tact_tensor_destroy(&r);
    r = tk_cast(x, I32);
    tk_check_i32(r, SHP(1, 3), VI32(16777217, -5, 0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    /* Any non-zero byte is true. */
    x = tk_new(BOOL, SHP(1, 3), VU8(1, 0, 2));
    r = tk_cast(x, I32);
    tk_check_i32(r, SHP(1, 3), VI32(1, 0, 1));
    tact_tensor_destroy(&r);
    r = tk_cast(x, F64);
    tk_check_f64(r, SHP(1, 3), VF64(1, 0, 1), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

/* ------------------------------------------------------------------------------------------ */
/* Sum and Mean                                                                               */
/* ------------------------------------------------------------------------------------------ */

static tact_tensor_t *tk_reduce(tact_op_kind_t kind, const tact_tensor_t *x, int n_axes,
                                const int *axes, bool keep_dims)
{
    tact_op_attrs_t at = {.n_axes = n_axes, .keep_dims = keep_dims};
    for (int i = 0; i < n_axes; i++)
        at.axes[i] = axes[i];
    return tk_ok(kind, &at, 1, x, NULL);
}

static void test_reduce_2d(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6));
    tact_tensor_t *r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){0}, false);
    tk_check_f32(r, SHP(1, 3), VF32(5, 7, 9), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){1}, false);
    tk_check_f32(r, SHP(1, 2), VF32(6, 15), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){-1}, true);
    tk_check_f32(r, SHP(2, 2, 1), VF32(6, 15), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){-2}, true);
    tk_check_f32(r, SHP(2, 1, 3), VF32(5, 7, 9), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, -1, NULL, false);
    tk_check_f32(r, SCALAR, VF32(21), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, -1, NULL, true);
    tk_check_f32(r, SHP(2, 1, 1), VF32(21), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 2, (const int[]){1, 0}, false);
    tk_check_f32(r, SCALAR, VF32(21), 0);
    tact_tensor_destroy(&r);
    /* Repeated axes reduce once. */
    r = tk_reduce(TACT_OP_SUM, x, 3, (const int[]){1, -1, 1}, false);
    tk_check_f32(r, SHP(1, 2), VF32(6, 15), 0);
    tact_tensor_destroy(&r);
    /* No axes: nothing reduced. */
    r = tk_reduce(TACT_OP_SUM, x, 0, NULL, false);
    tk_check_f32(r, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6), 0);
    tact_tensor_destroy(&r);

    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){0}, false);
    tk_check_f32(r, SHP(1, 3), VF32(2.5f, 3.5f, 4.5f), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){1}, true);
    tk_check_f32(r, SHP(2, 2, 1), VF32(2, 5), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, -1, NULL, false);
    tk_check_f32(r, SCALAR, VF32(3.5f), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

static void test_reduce_dtypes(void **state)
{
    (void) state;
    tact_tensor_t *x = tk_new(F64, SHP(2, 2, 2), VF64(0.1, 0.2, 0.3, 0.4));
    tact_tensor_t *r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){1}, false);
    tk_check_f64(r, SHP(1, 2), VF64(0.1 + 0.2, 0.3 + 0.4), 1e-16);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, -1, NULL, false);
    tk_check_f64(r, SCALAR, VF64(0.25), 1e-16);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    /* Integer means divide and truncate toward zero, as TensorFlow's do. */
    x = tk_new(I32, SHP(2, 2, 2), VI32(1, 2, -1, -2));
    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){1}, false);
    tk_check_i32(r, SHP(1, 2), VI32(1, -1));
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){0}, false);
    tk_check_i32(r, SHP(1, 2), VI32(0, 0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I32, SHP(1, 3), VI32(INT32_MAX, INT32_MAX, INT32_MAX));
    r = tk_reduce(TACT_OP_MEAN, x, -1, NULL, false);
    tk_check_i32(r, SCALAR, VI32(INT32_MAX)); /* the sum is held exactly */
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, -1, NULL, false);
    tk_check_i32(r, SCALAR, VI32(INT32_MAX - 2)); /* wraps */
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I64, SHP(2, 2, 3), VI64(1LL << 40, 1, 2, 3, 4, -5));
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){1}, true);
    tk_check_i64(r, SHP(2, 2, 1), VI64((1LL << 40) + 3, 2));
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){0}, false);
    tk_check_i64(r, SHP(1, 3), VI64(((1LL << 40) + 3) / 2, 2, -1));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    /* float32 accumulates in double: 2^24 + 1 + 1 + ... is not lost. */
    float big[17];
    big[0] = 16777216.0f;
    for (int i = 1; i < 17; i++)
        big[i] = 1.0f;
    x = tk_new(F32, SHP(1, 17), big);
    r = tk_reduce(TACT_OP_SUM, x, -1, NULL, false);
    tk_check_f32(r, SCALAR, VF32(16777232.0f), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

/* Sum and mean over every axis subset of a 3-D and a 4-D tensor against a reference. */
static void test_reduce_reference(void **state)
{
    (void) state;
    const tact_shape_t shapes[] = {SHP(3, 2, 3, 4), SHP(4, 3, 1, 5, 2), SHP(3, 7, 1, 33)};
    const tact_dtype_t dts[] = {F32, F64, I32, I64};
    for (int s = 0; s < 3; s++) {
        int rank = shapes[s].ndims;
        for (int d = 0; d < 4; d++) {
            tact_tensor_t *x = tk_iota(dts[d], shapes[s]);
            for (int mask = 0; mask < (1 << rank); mask++) {
                for (int keep = 0; keep < 2; keep++) {
                    int axes[TACT_MAX_DIMS];
                    int n = 0;
                    for (int i = 0; i < rank; i++)
                        if (mask & (1 << i))
                            axes[n++] = (i & 1) ? i - rank : i; /* some negative */
                    tact_tensor_t *sum = tk_reduce(TACT_OP_SUM, x, n, axes, keep);
                    tact_tensor_t *mean = tk_reduce(TACT_OP_MEAN, x, n, axes, keep);
                    int64_t count = sum->nelems > 0 ? x->nelems / sum->nelems : 0;
                    /* reference: accumulate each input element into its output slot */
                    double *ref = calloc(sum->nelems > 0 ? (size_t) sum->nelems : 1, sizeof *ref);
                    int64_t idx[TACT_MAX_DIMS];
                    for (int64_t i = 0; i < x->nelems; i++) {
                        tk_unravel(i, x, idx);
                        int64_t off = 0;
                        for (int k = 0; k < rank; k++) {
                            if (!(mask & (1 << k)))
                                off = off * x->dims[k] + idx[k];
                        }
                        ref[off] += tk_get(x, i);
                    }
                    for (int64_t i = 0; i < sum->nelems; i++) {
                        tk_assert_near(tk_get(sum, i), ref[i], 0);
                        double m = ref[i] / (double) count;
                        bool is_int = dts[d] == I32 || dts[d] == I64;
                        if (is_int)
                            m = trunc(m);
                        tk_assert_near(tk_get(mean, i), m, is_int ? 0 : fabs(m) * 1e-6);
                    }
                    assert_int_equal(sum->ndims, keep ? rank : rank - n);
                    free(ref);
                    tact_tensor_destroy(&sum);
                    tact_tensor_destroy(&mean);
                }
            }
            tact_tensor_destroy(&x);
        }
    }
}

static void test_reduce_empty_and_scalar(void **state)
{
    (void) state;
    /* Reducing an empty axis: sums are 0, float means NaN (0 / 0), integer means 0. */
    tact_tensor_t *x = tk_iota(F32, SHP(2, 0, 3));
    tact_tensor_t *r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){0}, false);
    tk_check_f32(r, SHP(1, 3), VF32(0, 0, 0), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){0}, false);
    tk_check_f32(r, SHP(1, 3), VF32(NAN, NAN, NAN), 0);
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_SUM, x, 1, (const int[]){1}, false);
    tk_check_shape(r, SHP(1, 0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_iota(I64, SHP(1, 0));
    r = tk_reduce(TACT_OP_MEAN, x, -1, NULL, false);
    tk_check_i64(r, SCALAR, VI64(0));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(I32, SCALAR, VI32(-7));
    r = tk_reduce(TACT_OP_SUM, x, -1, NULL, false);
    tk_check_i32(r, SCALAR, VI32(-7));
    tact_tensor_destroy(&r);
    r = tk_reduce(TACT_OP_MEAN, x, 0, NULL, true);
    tk_check_i32(r, SCALAR, VI32(-7));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);

    x = tk_new(F64, SHP(3, 1, 1, 1), VF64(2.5));
    r = tk_reduce(TACT_OP_MEAN, x, 1, (const int[]){1}, false);
    tk_check_f64(r, SHP(2, 1, 1), VF64(2.5), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x);
}

/* ------------------------------------------------------------------------------------------ */
/* MatMul                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_matmul_f32(void **state)
{
    (void) state;
    tact_tensor_t *a = tk_new(F32, SHP(2, 2, 3), VF32(1, 2, 3, 4, 5, 6));
    tact_tensor_t *b = tk_new(F32, SHP(2, 3, 2), VF32(1, 2, 3, 4, 5, 6));
    tact_tensor_t *r = tk_ok(TACT_OP_MATMUL, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 2, 2), VF32(22, 28, 49, 64), 0);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);

    /* [1,2] x [2,3] of constants, then [1,3] x [3,1] (the spec's S8). */
    a = tk_new(F32, SHP(2, 1, 2), VF32(1, 1));
    b = tk_new(F32, SHP(2, 2, 3), VF32(2, 2, 2, 2, 2, 2));
    r = tk_ok(TACT_OP_MATMUL, NULL, 2, a, b);
    tk_check_f32(r, SHP(2, 1, 3), VF32(4, 4, 4), 0);
    tact_tensor_t *c = tk_new(F32, SHP(2, 3, 1), VF32(1, 2, 3));
    tact_tensor_t *e = tk_ok(TACT_OP_MATMUL, NULL, 2, r, c);
    tk_check_f32(e, SHP(2, 1, 1), VF32(24), 0);
    tact_tensor_destroy(&e);
    tact_tensor_destroy(&c);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

/* Every dtype and transpose combination against a naive product. */
static void test_matmul_reference(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = {F32, F64, I32, I64};
    const int64_t M = 7, K = 33, N = 5;
    for (int d = 0; d < 4; d++) {
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t & 2;
            tact_tensor_t *a = tk_iota(dts[d], ta ? SHP(2, K, M) : SHP(2, M, K));
            tact_tensor_t *b = tk_iota(dts[d], tb ? SHP(2, N, K) : SHP(2, K, N));
            tact_op_attrs_t at = {.transpose_a = ta, .transpose_b = tb};
            tact_tensor_t *r = tk_ok(TACT_OP_MATMUL, &at, 2, a, b);
            tk_check_shape(r, SHP(2, M, N));
            assert_int_equal(r->dtype, dts[d]);
            for (int64_t i = 0; i < M; i++) {
                for (int64_t j = 0; j < N; j++) {
                    double s = 0;
                    for (int64_t p = 0; p < K; p++)
                        s += tk_get(a, ta ? p * M + i : i * K + p) *
                             tk_get(b, tb ? j * K + p : p * N + j);
                    bool is_int = dts[d] == I32 || dts[d] == I64;
                    tk_assert_near(tk_get(r, i * N + j), s, is_int ? 0 : s * 1e-6);
                }
            }
            tact_tensor_destroy(&r);
            tact_tensor_destroy(&a);
            tact_tensor_destroy(&b);
        }
    }
}

static void test_matmul_empty(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = {F32, F64, I32, I64};
    for (int d = 0; d < 4; d++) {
        /* K = 0: zeros, no BLAS call. */
        tact_tensor_t *a = tk_iota(dts[d], SHP(2, 2, 0));
        tact_tensor_t *b = tk_iota(dts[d], SHP(2, 0, 3));
        tact_tensor_t *r = tk_ok(TACT_OP_MATMUL, NULL, 2, a, b);
        tk_check_shape(r, SHP(2, 2, 3));
        for (int64_t i = 0; i < 6; i++)
            tk_assert_near(tk_get(r, i), 0, 0);
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&a);
        tact_tensor_destroy(&b);

        /* M = 0 with transpose_a. */
        tact_op_attrs_t at = {.transpose_a = true};
        a = tk_iota(dts[d], SHP(2, 4, 0));
        b = tk_iota(dts[d], SHP(2, 4, 3));
        r = tk_ok(TACT_OP_MATMUL, &at, 2, a, b);
        tk_check_shape(r, SHP(2, 0, 3));
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&a);
        tact_tensor_destroy(&b);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Inference: sources and shapes                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_infer_sources(void **state)
{
    (void) state;
    tact_dtype_t dt;
    tact_op_attrs_t at = {.dtype = I64, .shape = SHP(2, -1, 3)};
    tk_shape_eq(tk_infer_ok(TACT_OP_PLACEHOLDER, &at, 0, NULL, NULL, BUILD, &dt), SHP(2, -1, 3));
    assert_int_equal(dt, I64);
    at.shape = UNKNOWN;
    tk_shape_eq(tk_infer_ok(TACT_OP_PLACEHOLDER, &at, 0, NULL, NULL, BUILD, &dt), UNKNOWN);

    at.shape = SHP(2, 2, -3);
    tk_infer_fails(TACT_OP_PLACEHOLDER, &at, "x", 0, NULL, NULL, BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Dimension -3 must be >= -1 for 'x' (op: 'Placeholder')");

    tact_op_attrs_t cat = {.value = tk_iota(F64, SHP(3, 4, 1, 2))};
    tk_shape_eq(tk_infer_ok(TACT_OP_CONST, &cat, 0, NULL, NULL, BUILD, &dt), SHP(3, 4, 1, 2));
    assert_int_equal(dt, F64);
    tact_tensor_destroy(&cat.value);

    /* NoOp has no outputs: it leaves them alone. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_attrs_t none = {0};
    dt = STR;
    tact_shape_t shape = SHP(1, 42);
    assert_int_equal(
        tact__op_infer(TACT_OP_NOOP, &none, "n", 0, NULL, NULL, BUILD, &dt, &shape, &st),
        TACT_CODE_OK);
    assert_int_equal(dt, STR);
    tk_shape_eq(shape, SHP(1, 42));

    tk_shape_eq(
        tk_infer_ok(TACT_OP_IDENTITY, NULL, 1, DTS(BOOL), SHAPES(SHP(2, -1, 2)), BUILD, &dt),
        SHP(2, -1, 2));
    assert_int_equal(dt, BOOL);
}

static void test_infer_sticky_status(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_CANCELLED, "earlier");
    tact_dtype_t dt = F32;
    tact_shape_t shape = SCALAR;
    tact_op_attrs_t none = {0};
    assert_int_equal(tact__op_infer(TACT_OP_ADD, &none, "a", 2, DTS(F32, I32),
                                    SHAPES(SHP(1, 2), SHP(1, 3)), BUILD, &dt, &shape, &st),
                     TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "earlier");
    /* And a NULL status still reports the code. */
    assert_int_equal(tact__op_infer(TACT_OP_ADD, &none, "a", 2, DTS(F32, I32),
                                    SHAPES(SHP(1, 2), SHP(1, 3)), BUILD, &dt, &shape, NULL),
                     TACT_CODE_INVALID_ARGUMENT);
}

static void test_infer_binary_dtypes(void **state)
{
    (void) state;
    tk_infer_fails(TACT_OP_ADD, NULL, "my_add", 2, DTS(F32, I32), SHAPES(SHP(1, 2), SHP(1, 2)),
                   BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Input 'y' of 'Add' Op has type int32 that does not match type float32 of "
                   "argument 'x'.");
    tk_infer_fails(TACT_OP_MUL, NULL, "mul", 2, DTS(I64, F64), SHAPES(SCALAR, SCALAR), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Input 'y' of 'Mul' Op has type float64 that does not match type int64 of "
                   "argument 'x'.");
    tk_infer_fails(TACT_OP_ADD, NULL, "Add", 2, DTS(BOOL, BOOL), SHAPES(SCALAR, SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType bool not in list of allowed "
                   "values: float32, float64, int32, int64 for 'Add' (op: 'Add')");
    tk_infer_fails(TACT_OP_SUB, NULL, "s", 2, DTS(BOOL, F32), SHAPES(SCALAR, SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType bool not in list of allowed "
                   "values: float32, float64, int32, int64 for 's' (op: 'Sub')");
    tk_infer_fails(TACT_OP_REALDIV, NULL, "truediv", 2, DTS(I32, I32), SHAPES(SCALAR, SCALAR),
                   BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType int32 not in list of allowed "
                   "values: float32, float64 for 'truediv' (op: 'RealDiv')");
    tk_infer_fails(TACT_OP_DIV, NULL, "div", 2, DTS(F64, F64), SHAPES(SCALAR, SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType float64 not in list of allowed "
                   "values: int32, int64 for 'div' (op: 'Div')");
    tk_infer_fails(TACT_OP_ADD, NULL, "a", 2, DTS(STR, STR), SHAPES(SCALAR, SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType string not in list of allowed "
                   "values: float32, float64, int32, int64 for 'a' (op: 'Add')");
    tact_dtype_t dt;
    tk_infer_ok(TACT_OP_DIV, NULL, 2, DTS(I64, I64), SHAPES(SCALAR, SCALAR), BUILD, &dt);
    assert_int_equal(dt, I64);
    tk_infer_ok(TACT_OP_REALDIV, NULL, 2, DTS(F32, F32), SHAPES(SCALAR, SCALAR), BUILD, &dt);
    assert_int_equal(dt, F32);
}

static void test_infer_broadcast_errors(void **state)
{
    (void) state;
    tk_infer_fails(TACT_OP_ADD, NULL, "Add", 2, DTS(F32, F32), SHAPES(SHP(1, 2), SHP(1, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Dimensions must be equal, but are 2 and 3 for 'Add' (op: 'Add') with input "
                   "shapes: [2], [3].");
    tk_infer_fails(TACT_OP_MUL, NULL, "scale", 2, DTS(I32, I32),
                   SHAPES(SHP(2, 2, 3), SHP(2, -1, 2)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Dimensions must be equal, but are 3 and 2 for 'scale' (op: 'Mul') with input "
                   "shapes: [2,3], [?,2].");
    tk_infer_fails(TACT_OP_ADD, NULL, "Add", 2, DTS(F32, F32), SHAPES(SHP(1, 2), SHP(1, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "Incompatible shapes: [2] vs. [3]");
    tk_infer_fails(TACT_OP_REALDIV, NULL, "d", 2, DTS(F64, F64),
                   SHAPES(SHP(3, 4, 2, 3), SHP(2, 3, 3)), RUN, TACT_CODE_INVALID_ARGUMENT,
                   "Incompatible shapes: [4,2,3] vs. [3,3]");

    /* Running the kernel path reports the same. */
    tact_tensor_t *a = tk_iota(F32, SHP(1, 2));
    tact_tensor_t *b = tk_iota(F32, SHP(1, 3));
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tk_run(TACT_OP_SUB, NULL, 2, a, b, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Incompatible shapes: [2] vs. [3]");
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
}

static void test_infer_broadcast_unknown(void **state)
{
    (void) state;
    static const struct {
        tact_shape_t x, y, want;
    } cases[] = {
        {SHP(2, -1, 3), SHP(1, 3), SHP(2, -1, 3)},
        {SHP(1, -1), SHP(1, 1), SHP(1, -1)},
        {SHP(1, 1), SHP(1, -1), SHP(1, -1)},
        {SHP(1, -1), SHP(1, 4), SHP(1, 4)},
        {SHP(1, 4), SHP(1, -1), SHP(1, 4)},
        {SHP(1, -1), SHP(1, -1), SHP(1, -1)},
        {SHP(2, 2, -1), SHP(2, -1, 3), SHP(2, 2, 3)},
        {SHP(2, -1, 1), SHP(1, 5), SHP(2, -1, 5)},
        {SHP(1, -1), SCALAR, SHP(1, -1)},
        {UNKNOWN, SHP(1, 3), UNKNOWN},
        {SHP(2, 2, 3), UNKNOWN, UNKNOWN},
        {SHP(2, 4, 1), SHP(3, 2, 1, 3), SHP(3, 2, 4, 3)},
        {SCALAR, SCALAR, SCALAR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tact_shape_t in[2] = {cases[i].x, cases[i].y};
        tact_dtype_t dt;
        tk_shape_eq(tk_infer_ok(TACT_OP_ADD, NULL, 2, DTS(F32, F32), in, BUILD, &dt),
                    cases[i].want);
        assert_int_equal(dt, F32);
    }
}

static void test_infer_unary(void **state)
{
    (void) state;
    tk_infer_fails(TACT_OP_NEG, NULL, "Neg", 1, DTS(BOOL), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType bool not in list of allowed "
                   "values: float32, float64, int32, int64 for 'Neg' (op: 'Neg')");
    tk_infer_fails(TACT_OP_RELU, NULL, "r", 1, DTS(BOOL), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'features' has DataType bool not in list of "
                   "allowed values: float32, float64, int32, int64 for 'r' (op: 'Relu')");
    tk_infer_fails(TACT_OP_SIGMOID, NULL, "Sigmoid", 1, DTS(I32), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType int32 not in list of allowed "
                   "values: float32, float64 for 'Sigmoid' (op: 'Sigmoid')");
    tk_infer_fails(TACT_OP_TANH, NULL, "Tanh", 1, DTS(I64), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'x' has DataType int64 not in list of allowed "
                   "values: float32, float64 for 'Tanh' (op: 'Tanh')");
    tk_infer_fails(TACT_OP_SOFTMAX, NULL, "Softmax", 1, DTS(I32), SHAPES(SHP(1, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'logits' has DataType int32 not in list of allowed "
                   "values: float32, float64 for 'Softmax' (op: 'Softmax')");
    tk_infer_fails(TACT_OP_SOFTMAX, NULL, "sm", 1, DTS(F32), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Shape must be at least rank 1 but is rank 0 for 'sm' (op: 'Softmax') with "
                   "input shapes: [].");
    tk_infer_fails(TACT_OP_SOFTMAX, NULL, "sm", 1, DTS(F32), SHAPES(SCALAR), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "logits must have >= 1 dimension, got []");

    tact_dtype_t dt;
    tk_shape_eq(tk_infer_ok(TACT_OP_SOFTMAX, NULL, 1, DTS(F64), SHAPES(UNKNOWN), BUILD, &dt),
                UNKNOWN);
    tk_shape_eq(tk_infer_ok(TACT_OP_RELU, NULL, 1, DTS(I32), SHAPES(SHP(2, -1, 4)), BUILD, &dt),
                SHP(2, -1, 4));
    assert_int_equal(dt, I32);
    tk_shape_eq(tk_infer_ok(TACT_OP_TANH, NULL, 1, DTS(F64), SHAPES(SCALAR), RUN, &dt), SCALAR);
}

static void test_infer_cast(void **state)
{
    (void) state;
    tact_dtype_t dt;
    tact_op_attrs_t at = {.dtype = F32};
    tk_infer_fails(TACT_OP_CAST, &at, "Cast", 1, DTS(STR), SHAPES(SCALAR), BUILD,
                   TACT_CODE_UNIMPLEMENTED, "Cast string to float is not supported");
    at.dtype = STR;
    tk_infer_fails(TACT_OP_CAST, &at, "Cast", 1, DTS(I64), SHAPES(SCALAR), BUILD,
                   TACT_CODE_UNIMPLEMENTED, "Cast int64 to string is not supported");
    tk_shape_eq(tk_infer_ok(TACT_OP_CAST, &at, 1, DTS(STR), SHAPES(SHP(2)), BUILD, &dt), SHP(2));
    assert_int_equal(dt, STR);
    at.dtype = TACT_DTYPE_COUNT;
    tk_infer_fails(TACT_OP_CAST, &at, "c", 1, DTS(I64), SHAPES(SCALAR), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Cast: invalid destination dtype 10 for 'c' (op: 'Cast')");
    at.dtype = BOOL;
    tk_shape_eq(tk_infer_ok(TACT_OP_CAST, &at, 1, DTS(F64), SHAPES(SHP(2, -1, 2)), BUILD, &dt),
                SHP(2, -1, 2));
    assert_int_equal(dt, BOOL);
}

static void test_infer_matmul(void **state)
{
    (void) state;
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F32),
                   SHAPES(SHP(1, 3), SHP(2, 3, 2)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Shape must be rank 2 but is rank 1 for 'MatMul' (op: 'MatMul') with input "
                   "shapes: [3], [3,2].");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "mm", 2, DTS(F32, F32),
                   SHAPES(SHP(2, 2, 3), SHP(3, 3, 2, 1)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Shape must be rank 2 but is rank 3 for 'mm' (op: 'MatMul') with input "
                   "shapes: [2,3], [3,2,1].");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F32),
                   SHAPES(SHP(1, 3), SHP(2, 3, 2)), RUN, TACT_CODE_INVALID_ARGUMENT,
                   "In[0] is not a matrix. Instead it has shape [3]");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F32), SHAPES(SHP(2, 2, 3), SCALAR),
                   RUN, TACT_CODE_INVALID_ARGUMENT,
                   "In[1] is not a matrix. Instead it has shape []");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F32),
                   SHAPES(SHP(2, 2, 3), SHP(2, 2, 3)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Dimensions must be equal, but are 3 and 2 for 'MatMul' (op: 'MatMul') with "
                   "input shapes: [2,3], [2,3].");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F32),
                   SHAPES(SHP(2, 2, 3), SHP(2, 2, 3)), RUN, TACT_CODE_INVALID_ARGUMENT,
                   "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]");
    /* Shapes are printed as given, before transposition. */
    tact_op_attrs_t at = {.transpose_a = true};
    tk_infer_fails(TACT_OP_MATMUL, &at, "MatMul", 2, DTS(F64, F64),
                   SHAPES(SHP(2, 2, 3), SHP(2, 3, 4)), RUN, TACT_CODE_INVALID_ARGUMENT,
                   "Matrix size-incompatible: In[0]: [2,3], In[1]: [3,4]");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(F32, F64),
                   SHAPES(SHP(2, 2, 3), SHP(2, 3, 4)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Input 'b' of 'MatMul' Op has type float64 that does not match type float32 "
                   "of argument 'a'.");
    tk_infer_fails(TACT_OP_MATMUL, NULL, "MatMul", 2, DTS(BOOL, BOOL),
                   SHAPES(SHP(2, 2, 3), SHP(2, 3, 4)), BUILD, TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'a' has DataType bool not in list of allowed "
                   "values: float32, float64, int32, int64 for 'MatMul' (op: 'MatMul')");

    tact_dtype_t dt;
    at = (tact_op_attrs_t){.transpose_a = true, .transpose_b = true};
    tk_shape_eq(tk_infer_ok(TACT_OP_MATMUL, &at, 2, DTS(I32, I32),
                            SHAPES(SHP(2, 3, 2), SHP(2, 4, 3)), RUN, &dt),
                SHP(2, 2, 4));
    assert_int_equal(dt, I32);
    tk_shape_eq(tk_infer_ok(TACT_OP_MATMUL, NULL, 2, DTS(F32, F32),
                            SHAPES(SHP(2, -1, 3), SHP(2, 3, -1)), BUILD, &dt),
                SHP(2, -1, -1));
    tk_shape_eq(tk_infer_ok(TACT_OP_MATMUL, NULL, 2, DTS(F32, F32),
                            SHAPES(SHP(2, 2, -1), SHP(2, 5, 4)), BUILD, &dt),
                SHP(2, 2, 4));
    tk_shape_eq(tk_infer_ok(TACT_OP_MATMUL, NULL, 2, DTS(F32, F32), SHAPES(UNKNOWN, SHP(2, 5, 4)),
                            BUILD, &dt),
                SHP(2, -1, 4));
    at = (tact_op_attrs_t){.transpose_b = true};
    tk_shape_eq(tk_infer_ok(TACT_OP_MATMUL, &at, 2, DTS(F32, F32), SHAPES(SHP(2, 2, 5), UNKNOWN),
                            BUILD, &dt),
                SHP(2, 2, -1));
}

static void test_infer_reduce(void **state)
{
    (void) state;
    tact_op_attrs_t at = {.n_axes = 1, .axes = {5}};
    tk_infer_fails(TACT_OP_SUM, &at, "Sum", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Invalid reduction dimension 5 for input with 2 dimensions. for 'Sum' (op: "
                   "'Sum') with input shapes: [2,3], [1].");
    tk_infer_fails(TACT_OP_SUM, &at, "Sum", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Invalid reduction dimension 5 for input with 2 dimensions.");
    at = (tact_op_attrs_t){.n_axes = 2, .axes = {0, -3}};
    tk_infer_fails(TACT_OP_MEAN, &at, "m", 1, DTS(I32), SHAPES(SHP(2, -1, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Invalid reduction dimension -3 for input with 2 dimensions. for 'm' (op: "
                   "'Mean') with input shapes: [?,3], [2].");
    at = (tact_op_attrs_t){.n_axes = 1, .axes = {0}};
    tk_infer_fails(TACT_OP_SUM, &at, "Sum", 1, DTS(F64), SHAPES(SCALAR), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Invalid reduction dimension 0 for input with 0 dimensions.");
    tk_infer_fails(TACT_OP_MEAN, &at, "Mean", 1, DTS(BOOL), SHAPES(SHP(1, 2)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Value passed to parameter 'input' has DataType bool not in list of allowed "
                   "values: float32, float64, int32, int64 for 'Mean' (op: 'Mean')");

    tact_dtype_t dt;
    /* Unknown sizes pass through; an unknown rank stays unknown unless every axis goes. */
    at = (tact_op_attrs_t){.n_axes = 1, .axes = {1}};
    tk_shape_eq(tk_infer_ok(TACT_OP_SUM, &at, 1, DTS(I64), SHAPES(SHP(3, -1, 3, -1)), BUILD, &dt),
                SHP(2, -1, -1));
    assert_int_equal(dt, I64);
    at.keep_dims = true;
    tk_shape_eq(tk_infer_ok(TACT_OP_SUM, &at, 1, DTS(I64), SHAPES(SHP(3, -1, 3, -1)), BUILD, &dt),
                SHP(3, -1, 1, -1));
    tk_shape_eq(tk_infer_ok(TACT_OP_SUM, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt), UNKNOWN);
    at.keep_dims = false;
    tk_shape_eq(tk_infer_ok(TACT_OP_MEAN, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt), UNKNOWN);
    at = (tact_op_attrs_t){.n_axes = -1};
    tk_shape_eq(tk_infer_ok(TACT_OP_MEAN, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt), SCALAR);
    at.keep_dims = true;
    tk_shape_eq(tk_infer_ok(TACT_OP_MEAN, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt), UNKNOWN);
    tk_shape_eq(tk_infer_ok(TACT_OP_MEAN, &at, 1, DTS(F32), SHAPES(SHP(2, -1, 3)), BUILD, &dt),
                SHP(2, 1, 1));
    at = (tact_op_attrs_t){.n_axes = 3, .axes = {-1, 0, 2}};
    tk_shape_eq(tk_infer_ok(TACT_OP_SUM, &at, 1, DTS(F32), SHAPES(SHP(3, 2, 3, 4)), RUN, &dt),
                SHP(1, 3));
}

static void test_infer_reshape(void **state)
{
    (void) state;
    tact_op_attrs_t at = {.shape = SHP(2, 7, 3)};
    tk_infer_fails(TACT_OP_RESHAPE, &at, "Reshape", 1, DTS(F32), SHAPES(SHP(1, 4)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Cannot reshape a tensor with 4 elements to shape [7,3] (21 elements) for "
                   "'Reshape' (op: 'Reshape') with input shapes: [4], [2].");
    tk_infer_fails(TACT_OP_RESHAPE, &at, "Reshape", 1, DTS(F32), SHAPES(SHP(1, 4)), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Input to reshape is a tensor with 4 values, but the requested shape has 21");
    at.shape = SHP(2, -1, -1);
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(F32), SHAPES(SHP(1, 4)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Only one input size may be -1, not both 0 and 1 for 'r' (op: 'Reshape') "
                   "with input shapes: [4], [2].");
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(F32), SHAPES(SHP(1, 4)), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "Only one input size may be -1, not both 0 and 1");
    at.shape = SHP(2, -2, 2);
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(F32), SHAPES(SHP(1, 4)), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "Size 0 must be non-negative, not -2");
    at.shape = SHP(2, 5, -1);
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(I32), SHAPES(SHP(2, 3, 4)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Dimension size must be evenly divisible by 5 but is 12 for 'r' (op: "
                   "'Reshape') with input shapes: [3,4], [2].");
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(I32), SHAPES(SHP(2, 3, 4)), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Input to reshape is a tensor with 12 values, but the requested shape "
                   "requires a multiple of 5");
    at.shape = SHP(1, 8);
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(I32), SHAPES(SHP(2, -1, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Dimension size must be evenly divisible by 3 but is 8 for 'r' (op: "
                   "'Reshape') with input shapes: [?,3], [1].");
    at.shape = SHP(2, -1, 0);
    tk_infer_fails(TACT_OP_RESHAPE, &at, "r", 1, DTS(I32), SHAPES(SHP(2, 0, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Reshape cannot infer the missing input size for an empty tensor unless all "
                   "specified input sizes are non-zero");

    tact_dtype_t dt;
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(SHP(2, 0, 3)), BUILD, &dt),
                SHP(2, -1, 0));
    at.shape = SHP(2, 3, -1);
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(SHP(2, 2, 6)), RUN, &dt),
                SHP(2, 3, 4));
    assert_int_equal(dt, I32);
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(SHP(2, -1, 6)), BUILD, &dt),
                SHP(2, 3, -1));
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(UNKNOWN), BUILD, &dt),
                SHP(2, 3, -1));
    at.shape = SHP(1, 8);
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(SHP(2, -1, 4)), BUILD, &dt),
                SHP(1, 8));
    at.shape = SCALAR;
    tk_shape_eq(tk_infer_ok(TACT_OP_RESHAPE, &at, 1, DTS(I32), SHAPES(SHP(2, 1, 1)), RUN, &dt),
                SCALAR);
}

static void test_infer_transpose(void **state)
{
    (void) state;
    tact_op_attrs_t at = {.n_perm = 3, .perm = {0, 1, 2}};
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "Transpose", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "Dimension must be 2 but is 3 for 'Transpose' (op: 'Transpose') with input "
                   "shapes: [2,3], [3].");
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "Transpose", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT,
                   "transpose expects a vector of size 2. But input(1) is a vector of size 3");
    at = (tact_op_attrs_t){.n_perm = 2, .perm = {2, 0}};
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "t", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "perm dim 2 is out of range of input rank 2 for 't' (op: 'Transpose') with "
                   "input shapes: [2,3], [2].");
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "t", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "2 is out of range [0 .. 2)");
    at = (tact_op_attrs_t){.n_perm = 2, .perm = {1, 1}};
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "t", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "[1,1] is not a valid permutation for 't' (op: 'Transpose') with input "
                   "shapes: [2,3], [2].");
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "t", 1, DTS(F32), SHAPES(SHP(2, 2, 3)), RUN,
                   TACT_CODE_INVALID_ARGUMENT, "0 is missing from {1,1}.");
    at = (tact_op_attrs_t){.n_perm = 3, .perm = {0, -1, 1}};
    tk_infer_fails(TACT_OP_TRANSPOSE, &at, "t", 1, DTS(F32), SHAPES(UNKNOWN), BUILD,
                   TACT_CODE_INVALID_ARGUMENT,
                   "perm dim -1 is out of range of input rank 3 for 't' (op: 'Transpose') with "
                   "input shapes: <unknown>, [3].");

    tact_dtype_t dt;
    at = (tact_op_attrs_t){.n_perm = 3, .perm = {2, 0, 1}};
    tk_shape_eq(
        tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(BOOL), SHAPES(SHP(3, 2, -1, 4)), BUILD, &dt),
        SHP(3, 4, 2, -1));
    assert_int_equal(dt, BOOL);
    tk_shape_eq(tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt),
                SHP(3, -1, -1, -1));
    at = (tact_op_attrs_t){.n_perm = 1, .perm = {0}};
    tk_shape_eq(tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt),
                UNKNOWN);
    at = (tact_op_attrs_t){.n_perm = -1};
    tk_shape_eq(tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(F32), SHAPES(UNKNOWN), BUILD, &dt),
                UNKNOWN);
    tk_shape_eq(
        tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(F32), SHAPES(SHP(3, 2, -1, 4)), BUILD, &dt),
        SHP(3, 4, -1, 2));
    at = (tact_op_attrs_t){.n_perm = 0};
    tk_shape_eq(tk_infer_ok(TACT_OP_TRANSPOSE, &at, 1, DTS(F32), SHAPES(SCALAR), RUN, &dt), SCALAR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_kernel_table),
        cmocka_unit_test(test_binary_flat),
        cmocka_unit_test(test_kernel_supports),
        cmocka_unit_test(test_fill_and_random_kernels),
        cmocka_unit_test(test_binary_same_shape_f32),
        cmocka_unit_test(test_binary_same_shape_f64),
        cmocka_unit_test(test_binary_same_shape_ints),
        cmocka_unit_test(test_realdiv_ieee),
        cmocka_unit_test(test_div_ints_truncate),
        cmocka_unit_test(test_div_by_zero),
        cmocka_unit_test(test_broadcast_row),
        cmocka_unit_test(test_broadcast_outer),
        cmocka_unit_test(test_broadcast_scalar),
        cmocka_unit_test(test_broadcast_3d),
        cmocka_unit_test(test_broadcast_reference),
        cmocka_unit_test(test_binary_empty),
        cmocka_unit_test(test_neg),
        cmocka_unit_test(test_relu),
        cmocka_unit_test(test_sigmoid_tanh),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_identity_and_reshape),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_cast_every_pair),
        cmocka_unit_test(test_cast_values),
        cmocka_unit_test(test_reduce_2d),
        cmocka_unit_test(test_reduce_dtypes),
        cmocka_unit_test(test_reduce_reference),
        cmocka_unit_test(test_reduce_empty_and_scalar),
        cmocka_unit_test(test_matmul_f32),
        cmocka_unit_test(test_matmul_reference),
        cmocka_unit_test(test_matmul_empty),
        cmocka_unit_test(test_infer_sources),
        cmocka_unit_test(test_infer_sticky_status),
        cmocka_unit_test(test_infer_binary_dtypes),
        cmocka_unit_test(test_infer_broadcast_errors),
        cmocka_unit_test(test_infer_broadcast_unknown),
        cmocka_unit_test(test_infer_unary),
        cmocka_unit_test(test_infer_cast),
        cmocka_unit_test(test_infer_matmul),
        cmocka_unit_test(test_infer_reduce),
        cmocka_unit_test(test_infer_reshape),
        cmocka_unit_test(test_infer_transpose),
    };
    return cmocka_run_group_tests_name("kernels", tests, NULL, NULL);
}
