/* SPDX-License-Identifier: MIT */
/* Written by tests/data/make_rewrites_expected.py from TensorFlow 2.21.0's runs: do not edit. */
/* Per case: its name, the partition graph ("name = Type(data inputs)\n" per node, in
 * TensorFlow's order) and the fetched value (float32, row-major). */
static const rt_case_t rt_cases[] = {
    { "ID_DEFAULT",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "tmm = MatMul(_arg_tx_0_0, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "ID_DEP_OFF",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "tmm = MatMul(_arg_tx_0_0, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "ID_PRUNING_OFF",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "tsg = StopGradient(_arg_tx_0_0)\n"
      "tmm = MatMul(tsg, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "ID_PRUNING_DEP_OFF",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "ti = Identity(_arg_tx_0_0)\n"
      "tsg = StopGradient(ti)\n"
      "tmm = MatMul(tsg, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "NOOP_DEP_OFF",
      "a1/y = Const()\n"
      "a2/y = Const()\n"
      "_arg_pf_0_0 = _Arg()\n"
      "a1 = AddV2(_arg_pf_0_0, a1/y)\n"
      "a2 = AddV2(_arg_pf_0_0, a2/y)\n"
      "nop = NoOp()\n"
      "z/y = Const()\n"
      "z = Mul(_arg_pf_0_0, z/y)\n"
      "_retval_z_0_0 = _Retval(z)\n"
      , 1, (const float[]) { 3.0f } },
    { "FOLD_OFF",
      "_arg_x_0_0 = _Arg()\n"
      "flat/Reshape = Reshape(_arg_x_0_0, flat/stack/_0__cf__0)\n"
      "scaled = Mul(flat/Reshape, k/_1__cf__1)\n"
      "_retval_scaled_0_0 = _Retval(scaled)\n"
      "flat/stack/_0__cf__0 = Const()\n"
      "k/_1__cf__1 = Const()\n"
      , 24, (const float[]) { 0.0f, 27.0f, 54.0f, 81.0f, 108.0f, 135.0f, 162.0f, 189.0f, 216.0f, 243.0f, 270.0f, 297.0f, 324.0f, 351.0f, 378.0f, 405.0f, 432.0f, 459.0f, 486.0f, 513.0f, 540.0f, 567.0f, 594.0f, 621.0f } },
    { "FOLD_OFF_L0",
      "flat/Shape = Const()\n"
      "flat/strided_slice/stack = Const()\n"
      "flat/strided_slice/stack_1 = Const()\n"
      "flat/strided_slice/stack_2 = Const()\n"
      "flat/stack/1 = Const()\n"
      "size = Const()\n"
      "rank = Const()\n"
      "flat/strided_slice = StridedSlice(flat/Shape, flat/strided_slice/stack, flat/strided_slice/stack_1, flat/strided_slice/stack_2)\n"
      "add = AddV2(size, rank)\n"
      "flat/stack = Pack(flat/strided_slice, flat/stack/1)\n"
      "k = Cast(add)\n"
      "_arg_x_0_0 = _Arg()\n"
      "flat/Reshape = Reshape(_arg_x_0_0, flat/stack)\n"
      "scaled = Mul(flat/Reshape, k)\n"
      "_retval_scaled_0_0 = _Retval(scaled)\n"
      , 24, (const float[]) { 0.0f, 27.0f, 54.0f, 81.0f, 108.0f, 135.0f, 162.0f, 189.0f, 216.0f, 243.0f, 270.0f, 297.0f, 324.0f, 351.0f, 378.0f, 405.0f, 432.0f, 459.0f, 486.0f, 513.0f, 540.0f, 567.0f, 594.0f, 621.0f } },
    { "FOLD_L0_DO_FOLDING",
      "_arg_x_0_0 = _Arg()\n"
      "flat/Reshape = Reshape(_arg_x_0_0, flat/stack/_0__cf__0)\n"
      "scaled = Mul(flat/Reshape, k/_1__cf__1)\n"
      "_retval_scaled_0_0 = _Retval(scaled)\n"
      "flat/stack/_0__cf__0 = Const()\n"
      "k/_1__cf__1 = Const()\n"
      , 24, (const float[]) { 0.0f, 27.0f, 54.0f, 81.0f, 108.0f, 135.0f, 162.0f, 189.0f, 216.0f, 243.0f, 270.0f, 297.0f, 324.0f, 351.0f, 378.0f, 405.0f, 432.0f, 459.0f, 486.0f, 513.0f, 540.0f, 567.0f, 594.0f, 621.0f } },
    { "FUSE_REMAP_OFF",
      "fw = Const()\n"
      "fb = Const()\n"
      "_arg_fx_0_0 = _Arg()\n"
      "fmm = MatMul(_arg_fx_0_0, fw)\n"
      "fba = BiasAdd(fmm, fb)\n"
      "fy = Relu(fba)\n"
      "_retval_fy_0_0 = _Retval(fy)\n"
      , 8, (const float[]) { 1.60000002f, 0.0f, 0.75f, 0.199999988f, 0.700000048f, 0.0f, 1.6500001f, 2.0f } },
    { "CSE_OFF",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "cy = Mul(cr1, cr1)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "CSE_OFF_L0",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "ca2 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "cr2 = Relu(ca2)\n"
      "cy = Mul(cr1, cr2)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "CSE_ARITH_OFF_L0",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "ca2 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "cr2 = Relu(ca2)\n"
      "cy = Mul(cr1, cr2)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "CSE_L0_DO_CSE",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "cy = Mul(cr1, cr1)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "META_OFF_ID",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "ti = Identity(_arg_tx_0_0)\n"
      "tsg = StopGradient(ti)\n"
      "tmm = MatMul(tsg, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "META_OFF_FUSE",
      "fw = Const()\n"
      "fb = Const()\n"
      "_arg_fx_0_0 = _Arg()\n"
      "fmm = MatMul(_arg_fx_0_0, fw)\n"
      "fba = BiasAdd(fmm, fb)\n"
      "fy = Relu(fba)\n"
      "_retval_fy_0_0 = _Retval(fy)\n"
      , 8, (const float[]) { 1.60000002f, 0.0f, 0.75f, 0.199999988f, 0.700000048f, 0.0f, 1.6500001f, 2.0f } },
    { "META_OFF_CSE",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "cy = Mul(cr1, cr1)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "META_OFF_NOOP",
      "a1/y = Const()\n"
      "a2/y = Const()\n"
      "_arg_pf_0_0 = _Arg()\n"
      "a1 = AddV2(_arg_pf_0_0, a1/y)\n"
      "a2 = AddV2(_arg_pf_0_0, a2/y)\n"
      "nop = NoOp()\n"
      "z/y = Const()\n"
      "z = Mul(_arg_pf_0_0, z/y)\n"
      "_retval_z_0_0 = _Retval(z)\n"
      , 1, (const float[]) { 3.0f } },
    { "META_OFF_FOLD",
      "_arg_x_0_0 = _Arg()\n"
      "flat/Reshape = Reshape(_arg_x_0_0, flat/stack/_0__cf__0)\n"
      "scaled = Mul(flat/Reshape, k/_1__cf__1)\n"
      "_retval_scaled_0_0 = _Retval(scaled)\n"
      "flat/stack/_0__cf__0 = Const()\n"
      "k/_1__cf__1 = Const()\n"
      , 24, (const float[]) { 0.0f, 27.0f, 54.0f, 81.0f, 108.0f, 135.0f, 162.0f, 189.0f, 216.0f, 243.0f, 270.0f, 297.0f, 324.0f, 351.0f, 378.0f, 405.0f, 432.0f, 459.0f, 486.0f, 513.0f, 540.0f, 567.0f, 594.0f, 621.0f } },
    { "META_OFF_L0_ID",
      "tw = Const()\n"
      "_arg_tx_0_0 = _Arg()\n"
      "ti = Identity(_arg_tx_0_0)\n"
      "tsg = StopGradient(ti)\n"
      "tmm = MatMul(tsg, tw)\n"
      "_retval_tmm_0_0 = _Retval(tmm)\n"
      , 8, (const float[]) { 12.0f, 15.0f, 18.0f, 21.0f, 12.0f, 15.0f, 18.0f, 21.0f } },
    { "META_OFF_L0_FUSE",
      "fw = Const()\n"
      "fb = Const()\n"
      "_arg_fx_0_0 = _Arg()\n"
      "fmm = MatMul(_arg_fx_0_0, fw)\n"
      "fba = BiasAdd(fmm, fb)\n"
      "fy = Relu(fba)\n"
      "_retval_fy_0_0 = _Retval(fy)\n"
      , 8, (const float[]) { 1.60000002f, 0.0f, 0.75f, 0.199999988f, 0.700000048f, 0.0f, 1.6500001f, 2.0f } },
    { "META_OFF_L0_CSE",
      "cc = Const()\n"
      "_arg_cx_0_0 = _Arg()\n"
      "ca1 = AddV2(_arg_cx_0_0, cc)\n"
      "cr1 = Relu(ca1)\n"
      "ca2 = AddV2(_arg_cx_0_0, cc)\n"
      "cr2 = Relu(ca2)\n"
      "cy = Mul(cr1, cr2)\n"
      "_retval_cy_0_0 = _Retval(cy)\n"
      , 3, (const float[]) { 2.25f, 0.0f, 0.0f } },
    { "META_OFF_L0_NOOP",
      "a1/y = Const()\n"
      "a2/y = Const()\n"
      "_arg_pf_0_0 = _Arg()\n"
      "a1 = AddV2(_arg_pf_0_0, a1/y)\n"
      "a2 = AddV2(_arg_pf_0_0, a2/y)\n"
      "nop = NoOp()\n"
      "z/y = Const()\n"
      "z = Mul(_arg_pf_0_0, z/y)\n"
      "_retval_z_0_0 = _Retval(z)\n"
      , 1, (const float[]) { 3.0f } },
    { "META_OFF_L0_FOLD",
      "flat/Shape = Const()\n"
      "flat/strided_slice/stack = Const()\n"
      "flat/strided_slice/stack_1 = Const()\n"
      "flat/strided_slice/stack_2 = Const()\n"
      "flat/strided_slice = StridedSlice(flat/Shape, flat/strided_slice/stack, flat/strided_slice/stack_1, flat/strided_slice/stack_2)\n"
      "flat/stack/1 = Const()\n"
      "flat/stack = Pack(flat/strided_slice, flat/stack/1)\n"
      "size = Const()\n"
      "rank = Const()\n"
      "add = AddV2(size, rank)\n"
      "k = Cast(add)\n"
      "_arg_x_0_0 = _Arg()\n"
      "flat/Reshape = Reshape(_arg_x_0_0, flat/stack)\n"
      "scaled = Mul(flat/Reshape, k)\n"
      "_retval_scaled_0_0 = _Retval(scaled)\n"
      , 24, (const float[]) { 0.0f, 27.0f, 54.0f, 81.0f, 108.0f, 135.0f, 162.0f, 189.0f, 216.0f, 243.0f, 270.0f, 297.0f, 324.0f, 351.0f, 378.0f, 405.0f, 432.0f, 459.0f, 486.0f, 513.0f, 540.0f, 567.0f, 594.0f, 621.0f } },
};
